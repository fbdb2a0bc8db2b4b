/**
 * aws-local-stepfunctions 3 calls Promise.withResolvers, which Node.js has only from version 22.
 * Importing this module first makes it run on Node.js 20 too.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseCtor.withResolvers !== "function") {
  promiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>["resolve"];
    let reject!: Resolvers<T>["reject"];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// The AWS SDK warns on Node.js 20 about its support window (versions after January 2027 need 22).
// The Lambdas run on nodejs22.x and the README says so; on a Node 20 laptop the warning is noise.
// Set here, in the first module loaded, because some modules create SDK clients when imported.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export {};
