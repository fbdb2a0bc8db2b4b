/** Shared by the stack tests: synthesize a scope with the cdktf matchers on, and read the JSON back. */
import { type TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";

Testing.setupJest();

export type Synthesized = {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; description?: string }>;
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly terraform?: Record<string, unknown>;
};

/** Synthesizes what `build` adds to a fresh stack; returns the JSON text (for the matchers) and its parse. */
export function synthScope(build: (scope: Construct) => void): { text: string; json: Synthesized } {
  const text = Testing.synthScope(build);
  return { text, json: JSON.parse(text) as Synthesized };
}

/** Synthesizes a stack with validations (and aspects) on. */
export function synthStack(stack: TerraformStack): { text: string; json: Synthesized } {
  const text = Testing.synth(stack, true);
  return { text, json: JSON.parse(text) as Synthesized };
}

/** The resources of a type, by logical id. */
export function resourcesOf(json: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The one resource of a type whose logical id contains `fragment`. */
export function resourceOf(json: Synthesized, type: string, fragment = ""): Record<string, unknown> {
  const matches = Object.entries(resourcesOf(json, type)).filter(([id]) => id.includes(fragment));
  if (matches.length !== 1)
    throw new Error(`expected one ${type} matching ${JSON.stringify(fragment)}; found ${matches.map(([id]) => id).join(", ") || "none"}`);
  return (matches[0] as [string, Record<string, unknown>])[1];
}

export interface DocumentStatement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: string[];
  readonly resources?: string[];
  readonly principals?: { type: string; identifiers: string[] }[];
  readonly condition?: { test: string; variable: string; values: string[] }[];
}

/** Statements of every aws_iam_policy_document, by logical id. */
export function policyDocuments(json: Synthesized): Record<string, DocumentStatement[]> {
  const docs = json.data?.aws_iam_policy_document ?? {};
  return Object.fromEntries(Object.entries(docs).map(([id, d]) => [id, (d.statement as DocumentStatement[]) ?? []]));
}

/** The statements of the one policy document whose logical id contains `fragment`. */
export function policyDocument(json: Synthesized, fragment: string): DocumentStatement[] {
  const matches = Object.entries(policyDocuments(json)).filter(([id]) => id.includes(fragment));
  if (matches.length !== 1)
    throw new Error(`expected one policy document matching ${JSON.stringify(fragment)}; found ${matches.map(([id]) => id).join(", ") || "none"}`);
  return (matches[0] as [string, DocumentStatement[]])[1];
}
