import "../../local/polyfills";
