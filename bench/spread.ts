// Figures over rounds: the median, and the lowest and highest, which the README reports as the spread.
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

/** "231.4 MB/s (227.0–235.1)": the median rate of bytes per second, then the lowest and highest. */
export const mbsSpread = (s: Spread) => `${(s.median / 1e6).toFixed(1)} MB/s (${(s.min / 1e6).toFixed(1)}–${(s.max / 1e6).toFixed(1)})`;
