/**
 * esbuild substitutions that make the agent bundle fit QuickJS: mqtt-packet's parser needs only
 * bl's BufferList (bl's main module pulls in readable-stream and Node's stream), and its
 * `debug` logging is dead code on the device.
 */
import type { Plugin } from 'esbuild';

export const QUICKJS_MQTT_SHIMS: Plugin = {
  name: 'quickjs-mqtt-shims',
  setup(b) {
    b.onResolve({ filter: /^bl$/ }, (args) => b.resolve('bl/BufferList.js', { kind: args.kind, resolveDir: args.resolveDir }));
    b.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'quickjs-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'quickjs-stub' }, () => ({ contents: 'module.exports = () => () => {};', loader: 'js' }));
  },
};
