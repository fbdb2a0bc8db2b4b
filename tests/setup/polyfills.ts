import "../../local/polyfills";

// Quiet the AWS SDK's Node.js 20 support-window warning in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
