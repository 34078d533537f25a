/**
 * Writes the generated part of the bundled sample collection into
 * data/samples/: the two strategy PDFs and the three e-mail bulletins (one
 * carrying the skills strategy as an attachment). The plain-text and HTML
 * bulletins are written by hand and live beside them.
 *
 *   npm run samples
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEml } from './generate/make-eml.js';
import { makePdf, type PdfSection } from './generate/make-pdf.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'samples');

const FROM = 'Helen Marsh <director.education@wealdshire.example>';
const HELPDESK =
  'If you require any assistance please contact the Education Helpdesk on 0300 041 2000 and the team will be ' +
  'pleased to help.';
const SIGNATURE = 'Helen Marsh\nCorporate Director, Children, Young People and Education';

const skills: PdfSection[] = [
  {
    heading: 'Foreword',
    paragraphs: [
      'Every young person in Wealdshire should be able to find a route into skilled work. For some that route ' +
        'runs through university; for many more it runs through an apprenticeship, a technical qualification or a ' +
        'job with training. This strategy sets out how the council, schools, colleges and employers will work ' +
        'together over the next three years to widen those routes and make them easier to find.',
      'We have made progress. The number of 16 and 17 year olds not in education, employment or training has ' +
        'fallen for three years running, and apprenticeship starts among young people rose last year. But too many ' +
        'young people still leave school without a clear plan, and too few employers in our rural districts offer ' +
        'apprenticeships at all.',
    ],
  },
  {
    heading: '1. Where we are now',
    newPage: true,
    paragraphs: [
      'In 2023 there were 5,870 apprenticeship starts in the county, of which 1,640 were by people aged under ' +
        '19. Starts at higher and degree level have doubled since 2019, while starts at intermediate level have ' +
        'fallen by a third, which has narrowed the options for school leavers who are not yet ready for an ' +
        'advanced programme.',
      'Employers tell us that they struggle to recruit in construction, health and social care, engineering and ' +
        'digital roles. At the same time, many young people and their parents know little about apprenticeships in ' +
        'these sectors or how to apply for them. Careers advice in schools is improving but remains uneven.',
      'Young people with special educational needs, care leavers and young carers are less than half as likely ' +
        'as their peers to start an apprenticeship. Supported internships have helped, but there are not yet ' +
        'enough employers offering them.',
    ],
  },
  {
    heading: '2. Our priorities',
    paragraphs: [
      'Priority one: an apprenticeship guarantee. Every care leaver, and every young person with an education, ' +
        'health and care plan who wants an apprenticeship, will be offered a supported interview with a local ' +
        'employer and help to prepare for it.',
      'Priority two: careers education that reaches every pupil. Every secondary school will have an employer ' +
        'adviser and will give each pupil at least two encounters with apprenticeship employers before the end of ' +
        'Year 11.',
      'Priority three: more employers, especially small ones. We will use the apprenticeship levy transfer ' +
        'service to match unspent levy from large employers with small businesses that want to take on an ' +
        'apprentice, and we will help small employers through the paperwork.',
      'Priority four: skills for the jobs of the future. Working with colleges, we will expand provision in ' +
        'green construction, health technology and digital skills, where employers expect the strongest growth in ' +
        'demand.',
    ],
  },
  {
    heading: '3. How we will deliver',
    newPage: true,
    paragraphs: [
      'The Skills and Employability Service will lead the strategy, reporting each term to the Education Cabinet ' +
        'Committee. A skills board with members from colleges, employers, schools and young people will oversee ' +
        'progress and agree where to focus resources.',
      'The council will lead by example. We will increase the number of apprentices employed by the council and ' +
        'maintained schools to 500 by 2027, and open at least one in ten of our entry-level vacancies as ' +
        'apprenticeships.',
      'We will publish an annual apprenticeship report card showing starts, completions and destinations by ' +
        'district, age and background, so that schools, employers and families can see where progress is being ' +
        'made and where it is not.',
    ],
  },
  {
    heading: '4. Measures of success',
    paragraphs: [
      'By 2027 we aim to: raise apprenticeship starts by young people under 19 by a quarter; reduce the ' +
        'proportion of 16 and 17 year olds not in education, employment or training to below 3.5%; ensure every ' +
        'care leaver who wants one is offered an apprenticeship interview; and match at least £3 million of ' +
        'transferred levy to small employers.',
      'These measures will be reviewed each year with the skills board, and the strategy will be refreshed if ' +
        'the economy or national funding changes significantly.',
    ],
  },
];

const send: PdfSection[] = [
  {
    heading: 'Introduction',
    paragraphs: [
      'This strategy describes how Wealdshire will support children and young people with special educational ' +
        'needs and disabilities (SEND) from birth to age 25. It was written with parents and carers, young people, ' +
        'early years settings, schools, colleges and health partners, and it responds to what more than 1,300 ' +
        'people told us during the consultation.',
      'Our ambition is simple: children with SEND should be identified early, supported well in their local ' +
        'school wherever that is right for them, and prepared for adult life, work and independence.',
    ],
  },
  {
    heading: '1. What families told us',
    newPage: true,
    paragraphs: [
      'Families told us that they wait too long for assessments and for education, health and care plans, that ' +
        'they have to tell their story again and again to different professionals, and that support in mainstream ' +
        'schools depends too much on which school a child attends.',
      'Young people told us they want to be asked about their own plans, to learn alongside their friends, and ' +
        'to have real opportunities for work, including supported internships and apprenticeships.',
    ],
  },
  {
    heading: '2. Our commitments',
    paragraphs: [
      'Early identification. Every early years setting will have access to an inclusion adviser, and health ' +
        'visitors will share concerns with settings, with parental consent, before a child starts school.',
      'Timely plans. By 2026 we will issue nine in ten new education, health and care plans within the statutory ' +
        '20 weeks, through more educational psychologists, a single assessment meeting and clearer communication ' +
        'with families at every stage.',
      'Inclusive mainstream schools. We will fund specialist resource provisions in mainstream schools, train a ' +
        'SEND champion in every school, and publish a clear description of the support every mainstream school is ' +
        'expected to provide.',
      'Preparing for adulthood. From Year 9, every young person with a plan will have a conversation about work, ' +
        'housing, health and friendships, and a route to a supported internship or apprenticeship where they want ' +
        'one.',
    ],
  },
  {
    heading: '3. Governance and review',
    newPage: true,
    paragraphs: [
      'The SEND partnership board, chaired jointly by the Corporate Director and the chief nurse of the ' +
        'integrated care board, will oversee this strategy. Parent carer forum representatives sit on the board ' +
        'and will report directly to families twice a year.',
      'Progress will be measured by the timeliness of plans, the proportion of children with plans educated in ' +
        'mainstream schools, attendance and exclusion rates for pupils with SEND, and the destinations of young ' +
        'people at 19 and 25.',
    ],
  },
];

async function main(): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  const skillsPdf = await makePdf({
    title: 'Skills and Apprenticeships Strategy 2024 to 2027',
    author: 'Wealdshire County Council',
    created: new Date('2024-03-01T09:00:00Z'),
    runningHeader: 'Wealdshire County Council: Skills and Apprenticeships Strategy 2024 to 2027',
    sections: skills,
  });
  const sendPdf = await makePdf({
    title: 'SEND Inclusion Strategy 2025 to 2028',
    author: 'Wealdshire County Council',
    created: new Date('2024-10-14T09:00:00Z'),
    runningHeader: 'Wealdshire County Council: SEND Inclusion Strategy 2025 to 2028',
    sections: send,
  });
  fs.writeFileSync(path.join(out, 'send-inclusion-strategy-2025-2028.pdf'), sendPdf);

  fs.writeFileSync(
    path.join(out, '2024-03-05-weekly-update.eml'),
    makeEml({
      from: FROM,
      subject: '5 March 2024 weekly update',
      date: 'Tue, 05 Mar 2024 08:30:00 +0000',
      messageId: '20240305083000.weekly-update@wealdshire.example',
      text: [
        'A message from Helen Marsh:',
        '5 March 2024 weekly update',
        'This week I am pleased to publish our Skills and Apprenticeships Strategy, attached to this message, ' +
          'and to thank the 900 people who responded to the consultation.',
        'Skills and Apprenticeships Strategy 2024 to 2027',
        'The strategy sets out four priorities: an apprenticeship guarantee for care leavers and young people ' +
          'with education, health and care plans; careers education that reaches every pupil; more employers ' +
          'offering apprenticeships, especially small businesses; and skills for the jobs of the future in green ' +
          'construction, health technology and digital work.',
        'Headteachers told us in the consultation that pupils hear much less about apprenticeships than about ' +
          'university. From September every secondary school will have an employer adviser, and every pupil will ' +
          'meet apprenticeship employers at least twice before the end of Year 11.',
        'School funding update',
        'Schools will receive their indicative budgets for 2024 to 2025 by the end of the month. The schools ' +
          'forum agreed to protect the minimum funding guarantee at 0.5% per pupil.',
        HELPDESK,
        SIGNATURE,
      ].join('\n\n'),
      attachments: [
        { fileName: 'skills-and-apprenticeships-strategy-2024-2027.pdf', mime: 'application/pdf', bytes: skillsPdf },
      ],
    }),
  );

  fs.writeFileSync(
    path.join(out, '2024-07-16-weekly-update.eml'),
    makeEml({
      from: FROM,
      subject: '16 July 2024 weekly update',
      date: 'Tue, 16 Jul 2024 08:30:00 +0100',
      messageId: '20240716083000.weekly-update@wealdshire.example',
      text: [
        'A message from Helen Marsh:',
        '16 July 2024 weekly update',
        'As the summer term ends, thank you. This has been a demanding year and I am grateful to every member of ' +
          'staff in our schools, settings and services.',
        'Holiday activities and food',
        'Over the summer the holiday activities and food programme will offer four weeks of free activities and ' +
          'a healthy meal each day to children who receive free school meals. More than 200 providers are taking ' +
          'part, from sports clubs to farms and theatres, and places can be booked through the family information ' +
          'service.',
        'Transition to secondary school',
        'For many Year 6 pupils the move to secondary school is a big step, and for children with special ' +
          'educational needs it can be daunting. Thank you to the primary and secondary schools that have run ' +
          'summer transition days, and to the SEND transition team who have visited every child with a plan moving ' +
          'to a new school in September.',
        HELPDESK,
        SIGNATURE,
      ].join('\n\n'),
    }),
  );

  const winterParagraphs: [string, string][] = [
    ['h1', '26 November 2024 weekly update'],
    [
      'p',
      'This week: planning for winter, keeping schools open in bad weather, and attendance during the cold and ' +
        'flu season.',
    ],
    ['h2', 'Keeping schools open in winter weather'],
    [
      'p',
      'Last winter 140 schools closed for at least one day because of snow and ice. Closing a school should be ' +
        'the last resort: please review your severe weather plan now, check that your site team know which paths ' +
        'to grit first, and make sure parents know where closures will be announced.',
    ],
    [
      'p',
      'Where a school must close, remote learning should start on the first day of closure, and vulnerable ' +
        'pupils should be contacted by their key worker.',
    ],
    ['h2', 'Attendance over the winter'],
    [
      'p',
      'Coughs and colds are not a reason to keep a child at home if they are well enough to learn. The school ' +
        'nursing service has produced a short guide for parents, based on national health advice, on when children ' +
        'should and should not stay off school.',
    ],
    ['p', HELPDESK],
  ];
  const winterHtml =
    '<html><body><p>A message from Helen Marsh:</p>' +
    winterParagraphs.map(([t, s]) => `<${t}>${s}</${t}>`).join('') +
    '<p>Helen Marsh<br>Corporate Director, Children, Young People and Education</p></body></html>';
  fs.writeFileSync(
    path.join(out, '2024-11-26-weekly-update.eml'),
    makeEml({
      from: FROM,
      subject: '26 November 2024 weekly update',
      date: 'Tue, 26 Nov 2024 08:30:00 +0000',
      messageId: '20241126083000.weekly-update@wealdshire.example',
      html: winterHtml,
    }),
  );
  console.log(`samples written to ${out}`);
}

await main();
