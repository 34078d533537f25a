/**
 * A count of the elementary steps a text algorithm takes (characters
 * examined, tokens handled). Tests feed an input, then the same input
 * doubled, and check the count grows in proportion: a quadratic algorithm
 * shows itself in the count, whatever the machine is doing. Optional
 * everywhere; production code passes none.
 */
export interface Meter {
  steps: number;
}

export function tick(meter: Meter | undefined, n = 1): void {
  if (meter) meter.steps += n;
}
