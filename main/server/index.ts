/** Browser mode: the inspector UI over HTTP and the bridge over a WebSocket, on 127.0.0.1 only. */
export { startBrowserMode, type BrowserMode, type BrowserModeOptions } from './browser-mode';
export { contentSecurityPolicy } from './csp';
export { startInspectorServer, type InspectorServer, type InspectorServerOptions } from './inspector-server';
export { demoJobsDir, electronMainBundle, findPackageRoot, preloadBundle, rendererDir } from './paths';
export { headerRefusal, LOOPBACK_HOST } from './security';
export { DEFAULT_LAUNCH_TTL_MS } from './launch-secrets';
