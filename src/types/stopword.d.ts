/** The part of `stopword` (which ships no types) that the built-in embedder uses. */
declare module 'stopword' {
  export const eng: string[];
}
