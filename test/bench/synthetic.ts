/**
 * Bulletin-like synthetic text for benchmarks, seeded and reproducible: a
 * Zipfian vocabulary of tens of thousands of words (common English words at
 * the head, education vocabulary in the body, made-up names and terms in the
 * long tail), sentences of 8–30 words, passages of about 150 words.
 */
import { rng } from '../../src/embed/lsa/svd.js';

const HEAD = (
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there one ' +
  'all we their been has would when who will more no if out so said what up its about into than them can only ' +
  'other new some could time these two may then do first any my now such like our over man me even most made ' +
  'after also did many before must through back years where much your way well down should because each just ' +
  'those people how too little state good very make world still own see men work long get here between both life ' +
  'being under never day same another know while last might us great old year off come since against go came ' +
  'right used take three'
).split(' ');
const DOMAIN = (
  'school schools pupils pupil teachers teacher headteachers headteacher attendance absence exclusion exclusions ' +
  'apprenticeship apprenticeships apprentices ' +
  'skills training employers employer college colleges university curriculum ofsted inspection outstanding ' +
  'improvement strategy priorities vision plan plans funding budget ' +
  'budgets council cabinet committee members partnership partners early help families family children young ' +
  'learners learning education services service support ' +
  'special educational needs disabilities send assessment assessments psychologists caseworkers plans provision ' +
  'places admissions transport safeguarding wellbeing ' +
  'mental health anxiety counselling nursery primary secondary academy academies trust trusts governors ' +
  'governance results gcse level attainment progress gap ' +
  'disadvantaged premium meals holiday activities summer term autumn spring week weekly update bulletin director ' +
  'staff colleagues thank thanks consultation survey ' +
  'report reports data figures target targets commissioning capital buildings maintenance recruitment vacancies ' +
  'retention workforce careers guidance employment ' +
  'neet participation destinations youth justice social care hubs health visitors midwives voluntary community ' +
  'libraries transition year reception phonics reading ' +
  'writing mathematics science languages digital computing technology online safety internet parents carers ' +
  'pupil referral units alternative inclusion inclusive ' +
  'mainstream specialist resource bases travel weather closure closures snow ice heating energy climate ' +
  'sustainability green'
).split(' ');

function syllableWord(rand: () => number): string {
  const c = 'bcdfghjklmnprstvwz';
  const v = 'aeiou';
  const n = 2 + Math.floor(rand() * 3);
  let w = '';
  for (let i = 0; i < n; i++)
    w +=
      c[Math.floor(rand() * c.length)]! +
      v[Math.floor(rand() * v.length)]! +
      (rand() < 0.3 ? c[Math.floor(rand() * c.length)]! : '');
  return w;
}

export interface Generator {
  vocabulary: string[];
  topics: number;
  /** A passage on one topic: most content words come from the topic's own vocabulary. */
  passage(words?: number, topic?: number): string;
  query(): string;
  title(): string;
  date(): string;
}

export function generator(seed = 1, vocabularySize = 40_000): Generator {
  const rand = rng(seed);
  const tail = new Set<string>();
  while (tail.size < vocabularySize - HEAD.length - DOMAIN.length) tail.add(syllableWord(rand));
  const vocabulary = [...HEAD, ...DOMAIN, ...tail];
  // Zipf (s = 1.07) by inverse transform over the cumulative weights.
  const cumulative = new Float64Array(vocabulary.length);
  let total = 0;
  for (let i = 0; i < vocabulary.length; i++) {
    total += 1 / Math.pow(i + 1, 1.07);
    cumulative[i] = total;
  }
  const draw = (from = 0) => {
    const lo0 = from ? cumulative[from - 1]! : 0;
    const x = lo0 + rand() * (total - lo0);
    let lo = from;
    let hi = vocabulary.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  // Topics: each has its own Zipfian order over 600 words of the body and
  // tail of the vocabulary, as bulletins have subjects (attendance, SEND,
  // apprenticeships…). Without them the text, and its vectors, would have no
  // structure at all, which no real collection lacks.
  const TOPICS = 60;
  const topicWords = Array.from({ length: TOPICS }, () =>
    Array.from(
      { length: 600 },
      () => vocabulary[HEAD.length + Math.floor(Math.pow(rand(), 2) * (vocabulary.length - HEAD.length))]!,
    ),
  );
  const topicWeights = new Float64Array(600);
  let topicTotal = 0;
  for (let i = 0; i < 600; i++) topicWeights[i] = topicTotal += 1 / Math.pow(i + 1, 0.9);
  const drawTopic = (t: number, from = 0) => {
    const lo0 = from ? topicWeights[from - 1]! : 0;
    const x = lo0 + rand() * (topicTotal - lo0);
    let i = from;
    while (topicWeights[i]! < x) i++;
    return topicWords[t]![i]!;
  };
  const sentence = (topic: number) => {
    const n = 8 + Math.floor(rand() * 23);
    const words = Array.from({ length: n }, () => (rand() < 0.4 ? drawTopic(topic) : draw()));
    words[0] = words[0]![0]!.toUpperCase() + words[0]!.slice(1);
    return words.join(' ') + '.';
  };
  return {
    vocabulary,
    topics: TOPICS,
    passage(words = 150, topic = Math.floor(rand() * TOPICS)) {
      let out = '';
      while (out.split(' ').length < words) out += (out ? ' ' : '') + sentence(topic);
      return out;
    },
    // Queries: two to six words, mostly a topic's words, sometimes opening with a common one.
    query() {
      const topic = Math.floor(rand() * TOPICS);
      const n = 2 + Math.floor(rand() * 5);
      return Array.from({ length: n }, (_, i) => (i === 0 && rand() < 0.5 ? draw() : drawTopic(topic, 5))).join(' ');
    },
    title() {
      return `${DOMAIN[Math.floor(rand() * DOMAIN.length)]} ${DOMAIN[Math.floor(rand() * DOMAIN.length)]} update`;
    },
    date() {
      const y = 2015 + Math.floor(rand() * 11);
      const m = 1 + Math.floor(rand() * 12);
      const d = 1 + Math.floor(rand() * 28);
      return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    },
  };
}
