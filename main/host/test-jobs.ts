/**
 * A private launchd jobs directory for the host's tests: the built demo services (out/demo)
 * under their usual labels, without the demo's traffic generator, so every message in a test
 * is one the test sent.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPackageRoot } from '../server/paths';

export const packageRoot = findPackageRoot(__dirname);

export interface TestJob {
  readonly label: string;
  /** A built demo service (out/demo/NAME), or a Node script given inline. */
  readonly script?: string;
  readonly inline?: string;
  readonly env?: Record<string, string>;
}

export function demoServiceJobs(services: readonly TestJob[]): { dir: string; socketPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xpci-host-'));
  const jobs = join(dir, 'jobs', 'LaunchAgents');
  mkdirSync(jobs, { recursive: true });
  for (const { label, script, inline, env } of services) {
    const program = script === undefined ? undefined : join(packageRoot, 'out', 'demo', script);
    if (program !== undefined && !existsSync(program)) throw new Error(`${program} is missing: run \`npm run build\` first`);
    const args = program !== undefined ? [process.execPath, program] : [process.execPath, '-e', inline ?? ''];
    const envXml = env
      ? `<key>EnvironmentVariables</key><dict>${Object.entries(env)
          .map(([k, v]) => `<key>${k}</key><string>${v}</string>`)
          .join('')}</dict>`
      : '';
    writeFileSync(
      join(jobs, `${label}.plist`),
      `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>Label</key><string>${label}</string>
<key>ProgramArguments</key><array>${args.map((a) => `<string>${escapeXml(a)}</string>`).join('')}</array>
<key>MachServices</key><dict><key>${label}</key><true/></dict>
<key>ProcessType</key><string>Adaptive</string>
<key>ThrottleInterval</key><integer>1</integer>
${envXml}
</dict></plist>
`,
    );
  }
  return { dir: join(dir, 'jobs'), socketPath: join(dir, 'broker.sock') };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
