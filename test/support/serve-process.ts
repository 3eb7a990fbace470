import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const CLI = path.resolve(__dirname, '../../dist/cli.js');

/** Runs the built `sdes serve` as its own process and waits for its "ready" line. */
export async function startServeProcess(env: NodeJS.ProcessEnv, timeoutMs = 60000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, LOG_FORMAT: 'json', PORT: '0', MQTT_PORT: '0', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sdes serve was not ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('SDES gateway ready')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sdes serve exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** Runs `sdes <args>` to completion and returns its exit code and output; `input` is written to its standard input. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_FORMAT: 'json', NODE_OPTIONS: '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin!.end(input);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
