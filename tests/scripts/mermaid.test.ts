/** The state machine diagram of the job summaries: built from the deployed definition and recorded histories. */
import { executionPath, nodeId, renderStateMachineDiagram, stateMachineDiagramMarkdown } from "../../scripts/lib/mermaid";
import { pipelineDefinition, recordedHistory } from "./support";

/** The `class A,B name` assignments of a diagram, as state name -> class. */
function classes(diagram: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of diagram.split("\n")) {
    const m = /^ {2}class (\S+) (\w+)$/.exec(line);
    if (!m) continue;
    for (const id of (m[1] as string).split(",")) out[id.replace(/^s_/, "")] = m[2] as string;
  }
  return out;
}

const ALL = ["CheckRunInput", "WaitForDatasets", "RunJoin", "VerifyOutput", "Succeeded", "SummarizeFailure", "FallbackSummary", "NotifyFailure", "Failed"];

describe("executionPath", () => {
  it("lists the states a Glue failure went through and names RunJoin as the one that failed", () => {
    expect(executionPath(recordedHistory("glue-failure-notified.json"))).toEqual({
      entered: ["CheckRunInput", "WaitForDatasets", "RunJoin", "SummarizeFailure", "NotifyFailure", "Failed"],
      failed: "RunJoin",
    });
  });

  it("names WaitForDatasets at the deadline and for an abort while waiting", () => {
    expect(executionPath(recordedHistory("deadline-timeout.json")).failed).toBe("WaitForDatasets");
    expect(executionPath(recordedHistory("aborted.json"))).toEqual({ entered: ["CheckRunInput", "WaitForDatasets"], failed: "WaitForDatasets" });
  });

  it("has no failed state for an empty history", () => {
    expect(executionPath([])).toEqual({ entered: [] });
  });
});

describe("renderStateMachineDiagram", () => {
  const definition = pipelineDefinition();

  it("draws every state and every transition of the definition, catches dotted", () => {
    const diagram = renderStateMachineDiagram(definition);
    expect(diagram.split("\n")[0]).toBe("flowchart TD");
    for (const state of ALL) expect(diagram).toContain(`${nodeId(state)}`);
    expect(diagram).toContain("start --> s_CheckRunInput");
    expect(diagram).toContain("s_CheckRunInput --> s_WaitForDatasets");
    expect(diagram).toContain("s_WaitForDatasets --> s_RunJoin");
    expect(diagram).toContain("s_RunJoin --> s_VerifyOutput");
    expect(diagram).toContain("s_VerifyOutput --> s_Succeeded");
    expect(diagram).toContain('s_RunJoin -.->|"catch States.ALL"| s_SummarizeFailure');
    expect(diagram).toContain("s_NotifyFailure --> s_Failed");
    // Terminal states are stadium-shaped; no state ends with End: true in this machine, so no end node.
    expect(diagram).toContain('s_Succeeded(["Succeeded"])');
    expect(diagram).toContain('s_Failed(["Failed"])');
  });

  it("marks the states run, the failed state and the states not run, each state exactly once", () => {
    const diagram = renderStateMachineDiagram(definition, executionPath(recordedHistory("glue-failure-notified.json")));
    const marked = classes(diagram);
    expect(marked).toEqual({
      CheckRunInput: "ran",
      WaitForDatasets: "ran",
      RunJoin: "failed",
      SummarizeFailure: "ran",
      NotifyFailure: "ran",
      Failed: "ran",
      VerifyOutput: "notRun",
      Succeeded: "notRun",
      FallbackSummary: "notRun",
    });
    expect(diagram).toMatch(/classDef failed [^\n]*stroke:#cf222e/);
  });

  it("marks nothing as failed for a successful path", () => {
    const marked = classes(renderStateMachineDiagram(definition, { entered: ["CheckRunInput", "WaitForDatasets", "RunJoin", "VerifyOutput", "Succeeded"] }));
    expect(Object.values(marked).filter((c) => c === "failed")).toEqual([]);
    expect(marked.Succeeded).toBe("ran");
    expect(marked.SummarizeFailure).toBe("notRun");
  });

  it("draws choices, defaults and End, and keeps odd state names valid", () => {
    const diagram = renderStateMachineDiagram({
      StartAt: 'Is "it" <ready>?',
      States: {
        'Is "it" <ready>?': { Type: "Choice", Choices: [{ Next: "end" }], Default: "Go on" },
        "Go on": { Type: "Pass", End: true },
        end: { Type: "Succeed" },
      },
    });
    expect(diagram).toContain('s_Is__it___ready__{"Is #quot;it#quot; #lt;ready#gt;?"}');
    expect(diagram).toContain("s_Is__it___ready__ -->|choice| s_end");
    expect(diagram).toContain("s_Is__it___ready__ -->|default| s_Go_on");
    expect(diagram).toContain("s_Go_on --> finish");
    expect(diagram).toContain("finish((end))");
  });

  it("rejects something that is not a definition, saying so", () => {
    expect(() => renderStateMachineDiagram('{"Comment":"no states"}')).toThrow("no StartAt or States");
  });
});

describe("stateMachineDiagramMarkdown", () => {
  it("fences the diagram as mermaid and adds a text legend", () => {
    const markdown = stateMachineDiagramMarkdown(pipelineDefinition(), executionPath(recordedHistory("deadline-timeout.json")));
    expect(markdown.startsWith("```mermaid\nflowchart TD\n")).toBe(true);
    expect(markdown).toContain("\n```\n");
    expect(markdown).toContain("States run: CheckRunInput → WaitForDatasets → SummarizeFailure");
    expect(markdown).toContain("State that failed: **WaitForDatasets**");
  });
});
