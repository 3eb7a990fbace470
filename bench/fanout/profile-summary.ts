/**
 * Summarizes a .cpuprofile written by the fan-out bench (BENCH_PROFILE): self time by package or
 * project file, by function, and the inclusive time of the project's own functions.
 *
 *   node node_modules/.cache/sdes-bench/bench/fanout/profile-summary.js /tmp/prof/gateway-n2000-run1.cpuprofile [top]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/** `src/services/execution/dispatcher.js`, `mikro-orm/core`, `node:net`, ... */
function ownerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native)';
  const project = /sdes-bench\/((?:src|bench)\/.*)$/.exec(url);
  if (project) return project[1];
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const fn = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${ownerOf(n)}:${n.callFrame.lineNumber + 1}`;
  const group = (key: (n: ProfileNode) => string) => {
    const m = new Map<string, number>();
    for (const [id, t] of self) m.set(key(byId.get(id)!), (m.get(key(byId.get(id)!)) ?? 0) + t);
    return [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  };
  const inclusive = new Map<string, number>();
  profile.samples.forEach((leaf, i) => {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (!/sdes-bench\/src\//.test(n.callFrame.url)) continue;
      const k = fn(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  });
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const busy = total - (group((n) => (n.callFrame.functionName === '(idle)' ? 'idle' : 'busy')).find(([k]) => k === 'idle')?.[1] ?? 0);
  return [
    `${ms(total)} profiled, ${ms(busy)} busy`,
    '',
    '== self time by package or project file',
    ...group(ownerOf).map(([k, t]) => `${ms(t)}  ${k}`),
    '',
    '== self time by function',
    ...group(fn).map(([k, t]) => `${ms(t)}  ${k}`),
    '',
    '== inclusive time of project functions (src/)',
    ...[...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${ms(t)}  ${k}`),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-summary.js FILE.cpuprofile [top]');
    process.exit(2);
  }
  console.log(summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(top ?? 25)));
}
