import { INTEGRATION_PERMISSIONS, integrationStatements } from "../../policies/integrations";

describe("integration permissions", () => {
  it("link every integration to the AWS page its actions come from", () => {
    for (const permissions of Object.values(INTEGRATION_PERMISSIONS)) {
      expect(permissions.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(permissions.actions.length).toBeGreaterThan(0);
      expect(permissions.sid).toMatch(/^[A-Za-z0-9]+$/);
    }
  });

  it("merge grants of one integration into one statement with each resource once, in first-seen order", () => {
    const statements = integrationStatements([
      { integration: "lambda:invoke", resources: ["arn:f1", "arn:f1:*"] },
      { integration: "sns:publish", resources: ["arn:topic"] },
      { integration: "lambda:invoke", resources: ["arn:f2", "arn:f1"] },
    ]);
    expect(statements).toEqual([
      { sid: "InvokePipelineFunctions", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: ["arn:f1", "arn:f1:*", "arn:f2"] },
      { sid: "PublishAlerts", effect: "Allow", actions: ["sns:Publish"], resources: ["arn:topic"] },
    ]);
  });

  it("refuse a grant without exact resources", () => {
    expect(() => integrationStatements([{ integration: "glue:startJobRun.sync", resources: [] }])).toThrow(
      "glue:startJobRun.sync needs exact resource ARNs; got []",
    );
    expect(() => integrationStatements([{ integration: "sns:publish", resources: ["*"] }])).toThrow('sns:publish needs exact resource ARNs; got ["*"]');
  });

  it("refuse an unknown integration, naming the known ones", () => {
    expect(() => integrationStatements([{ integration: "dynamodb:putItem" as never, resources: ["arn:t"] }])).toThrow(
      /unknown integration "dynamodb:putItem"; allowed: lambda:invoke/,
    );
  });
});
