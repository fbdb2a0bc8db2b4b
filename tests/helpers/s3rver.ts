/** Tests start S3 the same way the local runtime does: s3rver in-process on 127.0.0.1:0 in a temp dir. */
export { type LocalS3, type LocalS3Options, localS3Client, startLocalS3 } from "../../local/s3";
