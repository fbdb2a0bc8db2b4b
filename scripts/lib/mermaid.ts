/**
 * A Mermaid flowchart of a state machine for the job summary: every state and transition of the
 * definition, the states an execution entered marked as run, and the state that failed marked as
 * failed. Pure: built from the definition (DescribeStateMachine) and the execution's history.
 * GitHub renders ```mermaid blocks in job summaries and Markdown.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { findFailureInHistory } from "../../lambdas/shared/history";

/** The parts of an ASL definition the diagram reads. */
interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
}
interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export interface ExecutionPath {
  /** States entered, in order of first entry. */
  readonly entered: readonly string[];
  /** The state an operator has to look at (the summarizer's choice), when the execution failed. */
  readonly failed?: string;
}

/** Which states the history entered and which one failed. */
export function executionPath(history: readonly HistoryEvent[]): ExecutionPath {
  const entered: string[] = [];
  for (const event of history) {
    const name = event.stateEnteredEventDetails?.name;
    if (name !== undefined && !entered.includes(name)) entered.push(name);
  }
  const failure = findFailureInHistory(history);
  return failure === undefined || failure.state === "unknown" ? { entered } : { entered, failed: failure.state };
}

function parseDefinition(definition: string | AslDefinition): AslDefinition {
  const parsed = (typeof definition === "string" ? JSON.parse(definition) : definition) as Partial<AslDefinition>;
  if (typeof parsed?.StartAt !== "string" || typeof parsed.States !== "object" || parsed.States === null) {
    throw new Error("renderStateMachineDiagram: the definition has no StartAt or States (is it an ASL state machine definition?)");
  }
  return parsed as AslDefinition;
}

/** Mermaid node ids: letters, digits and _ only, prefixed so that a state named "end" is not a keyword. */
export function nodeId(state: string): string {
  return `s_${state.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** A label in double quotes: Mermaid's entity codes for the characters that would end or break it. */
function label(text: string): string {
  return `"${text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")}"`;
}

const SHAPES: Readonly<Record<string, (l: string) => string>> = {
  Choice: (l) => `{${l}}`,
  Succeed: (l) => `([${l}])`,
  Fail: (l) => `([${l}])`,
};

/** The flowchart source (without the ``` fence). */
export function renderStateMachineDiagram(definition: string | AslDefinition, path: ExecutionPath = { entered: [] }): string {
  const asl = parseDefinition(definition);
  const lines = ["flowchart TD", "  start((start))"];
  const names = Object.keys(asl.States);
  for (const name of names) {
    const state = asl.States[name] as AslState;
    const shape = SHAPES[state.Type] ?? ((l: string) => `[${l}]`);
    lines.push(`  ${nodeId(name)}${shape(label(name))}`);
  }
  if (names.some((n) => asl.States[n]?.End === true)) lines.push("  finish((end))");
  lines.push(`  start --> ${nodeId(asl.StartAt)}`);
  for (const name of names) {
    const state = asl.States[name] as AslState;
    const from = nodeId(name);
    if (state.Next !== undefined) lines.push(`  ${from} --> ${nodeId(state.Next)}`);
    if (state.End === true) lines.push(`  ${from} --> finish`);
    for (const rule of state.Choices ?? []) lines.push(`  ${from} -->|choice| ${nodeId(rule.Next)}`);
    if (state.Default !== undefined) lines.push(`  ${from} -->|default| ${nodeId(state.Default)}`);
    for (const catcher of state.Catch ?? []) lines.push(`  ${from} -.->|${label(`catch ${catcher.ErrorEquals.join(", ")}`)}| ${nodeId(catcher.Next)}`);
  }
  lines.push("  classDef ran fill:#d1f0d8,stroke:#1a7f37,color:#0b3d1a");
  lines.push("  classDef failed fill:#ffd7d5,stroke:#cf222e,stroke-width:3px,color:#5c0a0a");
  lines.push("  classDef notRun fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3");
  const known = new Set(names);
  const ran = path.entered.filter((s) => known.has(s) && s !== path.failed);
  const notRun = names.filter((s) => !path.entered.includes(s) && s !== path.failed);
  if (ran.length > 0) lines.push(`  class ${ran.map(nodeId).join(",")} ran`);
  if (path.failed !== undefined && known.has(path.failed)) lines.push(`  class ${nodeId(path.failed)} failed`);
  if (notRun.length > 0) lines.push(`  class ${notRun.map(nodeId).join(",")} notRun`);
  return lines.join("\n");
}

/** The diagram as a Markdown block, with a legend for readers whose viewer does not render Mermaid. */
export function stateMachineDiagramMarkdown(definition: string | AslDefinition, path: ExecutionPath): string {
  const legend = [
    `States run: ${path.entered.length > 0 ? path.entered.join(" → ") : "none"}`,
    ...(path.failed !== undefined ? [`State that failed: **${path.failed}**`] : []),
  ];
  return ["```mermaid", renderStateMachineDiagram(definition, path), "```", "", ...legend.map((l) => `${l}  `), ""].join("\n");
}
