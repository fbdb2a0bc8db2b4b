/**
 * Live progress of local runs: on a terminal one line redrawn in place, elsewhere (CI, pipes)
 * plain lines, so logs stay readable.
 */
export interface ProgressSink {
  /** A state entered or another step, shown with the time since the run started. */
  step(label: string): void;
  /** A line that stays (results, warnings). */
  line(text: string): void;
  /** Ends the live line, if any. */
  done(): void;
}

export function progressSink(stream: NodeJS.WriteStream = process.stdout, startedAt: number = Date.now()): ProgressSink {
  const live = stream.isTTY === true && process.env.CI === undefined;
  let drawn = false;
  const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s`;
  const clear = () => {
    if (drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    step(label) {
      if (live) {
        clear();
        stream.write(`${elapsed()}  ${label}`);
        drawn = true;
      } else {
        stream.write(`${elapsed()}  ${label}\n`);
      }
    },
    line(text) {
      clear();
      stream.write(`${text}\n`);
    },
    done() {
      if (drawn) stream.write("\n");
      drawn = false;
    },
  };
}
