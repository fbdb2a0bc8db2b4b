import { existsSync } from "node:fs";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startLocalS3 } from "../helpers/s3rver";

describe("startLocalS3", () => {
  it("serves the requested buckets on 127.0.0.1 and removes its directory on stop", async () => {
    const s3 = await startLocalS3({ buckets: ["alpha", "beta"] });
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.region).toBe("us-east-1");
    const key = "incoming/x/run_date=2026-12-03/dé jà+vu.csv";
    await s3.client.send(new PutObjectCommand({ Bucket: "beta", Key: key, Body: "a,b\n1,2\n" }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: "beta", Key: key }));
    expect(await got.Body?.transformToString()).toBe("a,b\n1,2\n");
    await expect(s3.client.send(new HeadObjectCommand({ Bucket: "alpha", Key: key }))).rejects.toMatchObject({ name: "NotFound" });
    expect(existsSync(s3.dir)).toBe(true);
    await s3.stop();
    expect(existsSync(s3.dir)).toBe(false);
    await s3.stop();
  });
});
