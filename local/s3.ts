/**
 * S3 on this machine: s3rver (the real S3 HTTP API) in-process on 127.0.0.1, and AWS SDK v3 S3
 * clients configured for it. Used by the local runtime and, through tests/helpers/s3rver.ts, by tests.
 *
 * s3rver 3 on Node.js 20: its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 only offers
 * with --openssl-legacy-provider; start the process with that flag (NODE_OPTIONS) when listings page.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";

/** The part of s3rver's API used here (the package ships no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  on(event: "event", listener: (event: S3NotificationEvent) => void): void;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver is CommonJS without type declarations; the interface above types what is used.
const S3rver = require("s3rver") as S3rverConstructor;

/** s3rver checks request signatures against these fixed credentials. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const LOCAL_S3_REGION = "us-east-1";

export interface LocalS3 {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** A client for the endpoint (path-style, checksums only when required, fake credentials). */
  readonly client: S3Client;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  /** Directory holding the buckets' files. */
  readonly dir: string;
  /** Stops the server, closes the client's connections and removes a temporary directory. */
  stop(): Promise<void>;
}

/** A record of an S3 event notification as s3rver emits it (the AWS "Records" shape). */
export interface S3NotificationRecord {
  readonly eventName: string;
  readonly eventTime: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string };
  };
}

export interface S3NotificationEvent {
  readonly Records: readonly S3NotificationRecord[];
}

export interface LocalS3Options {
  /** Called for every object created, copied or deleted (s3rver's notifications). Default: none. */
  readonly onEvent?: (event: S3NotificationEvent) => void;
  /** Buckets created before the server accepts requests. Default: none. */
  readonly buckets?: readonly string[];
  /** Directory for the buckets' files; kept on stop(). Default: a fresh temporary directory, removed on stop(). */
  readonly directory?: string;
  /** Port on 127.0.0.1. Default: 0 (any free port). */
  readonly port?: number;
}

/**
 * An S3 client for s3rver (or any S3-compatible endpoint). s3rver serves buckets path-style only and
 * does not know the checksums the SDK adds by default since 3.729, hence those two settings.
 */
export function localS3Client(
  endpoint: string,
  region: string = LOCAL_S3_REGION,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = LOCAL_S3_CREDENTIALS,
): S3Client {
  return new S3Client({
    endpoint,
    region,
    credentials: { ...credentials },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Starts s3rver in-process on 127.0.0.1 and returns a client for it. */
export async function startLocalS3(opts: LocalS3Options = {}): Promise<LocalS3> {
  const temporary = opts.directory === undefined;
  const dir = opts.directory ?? mkdtempSync(join(tmpdir(), "local-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: opts.port ?? 0,
    directory: dir,
    silent: true,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
  });
  const onEvent = opts.onEvent;
  if (onEvent) server.on("event", (event) => onEvent(event));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = localS3Client(endpoint);
  let stopped = false;
  return {
    endpoint,
    client,
    credentials: { ...LOCAL_S3_CREDENTIALS },
    region: LOCAL_S3_REGION,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      // Keep-alive sockets of other clients would hold close() open until they time out.
      server.httpServer?.closeAllConnections();
      await server.close();
      if (temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}
