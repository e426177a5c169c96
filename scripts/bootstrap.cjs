#!/usr/bin/env node
// Set-up shared by `npm test`, `npm run stack` and `npm run demo` on a fresh clone: checks Node,
// installs npm packages when node_modules is missing or older than package-lock.json, then installs
// the local stack's tools (Temporal CLI, etcd, Kubernetes control plane, KWOK, Tekton, crane) into the cache.
// Plain CommonJS with no dependencies: it runs before `npm ci`.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) console.log(`[bootstrap] ${msg}`);
};

function fail(msg) {
  console.error(`[bootstrap] ${msg}`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node.js ${process.versions.node} is too old: install Node.js 20.19 or newer (22 LTS works too).`);
}

const lockFile = path.join(root, 'package-lock.json');
const stampFile = path.join(root, 'node_modules', '.kubernaut-lock-sha256');
const lockHash = crypto.createHash('sha256').update(fs.readFileSync(lockFile)).digest('hex');
const installed = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
if (installed !== lockHash) {
  const started = Date.now();
  log('npm packages missing or out of date: running npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('npm ci failed (see above). Is the npm registry reachable?');
  fs.writeFileSync(stampFile, lockHash + '\n');
  log(`npm ci done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} else {
  log('npm packages up to date');
}

if (!process.argv.includes('--no-tools')) {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  try {
    execFileSync(tsx, [path.join(root, 'src', 'stack', 'cli.ts'), 'install-tools', ...(quiet ? ['--quiet'] : [])], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch {
    process.exit(1);
  }
}
