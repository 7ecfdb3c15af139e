// bench/clients/work.js - a few seconds of ordinary JavaScript: arrays,
// sorting, maps, JSON, regular expressions, closures and classes, a fixed
// amount of work.  Prints a checksum.
'use strict';
const rounds = Number(process.argv[2] || 40);
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
class Point { constructor(x, y) { this.x = x; this.y = y; } norm() { return Math.hypot(this.x, this.y); } }
let sum = 0;
for (let r = 0; r < rounds; r++) {
  const a = Array.from({ length: 100000 }, () => Math.floor(rnd() * 1e6));
  a.sort((x, y) => x - y);
  sum += a[a.length >> 1];
  const m = new Map();
  for (const x of a) m.set(x % 997, (m.get(x % 997) || 0) + 1);
  sum += m.get(r % 997) || 0;
  const objs = a.slice(0, 20000).map((x, i) => ({ id: i, v: x, tag: 'n' + (x % 50) }));
  const back = JSON.parse(JSON.stringify(objs));
  sum += back.filter(o => /n[1-3]\d?$/.test(o.tag)).length;
  const pts = a.slice(0, 50000).map((x, i) => new Point(x % 1000, i % 1000));
  sum += Math.round(pts.reduce((s, p) => s + p.norm(), 0)) % 100000;
  const words = a.slice(0, 30000).map(x => x.toString(36)).join(' ');
  sum += words.replace(/[aeiou]/g, '').split(' ').length;
}
console.log('checksum ' + sum);
