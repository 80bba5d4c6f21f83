// Runs json-rules-engine (Backstage Tech Insights' rules engine) over the entities the
// P1 bench writes, and prints its throughput and which (entity, check) pairs passed.
// Usage: node run.js INPUT.json   (json-rules-engine resolved from NODE_PATH; INPUT.json
// holds {rules, entities: [{ref, entity, github}], repeats, flat})
'use strict';
const fs = require('fs');
const { Engine } = require('json-rules-engine');
const { JSONPath } = require('jsonpath-plus');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function regex(spec) {
  return new RegExp(spec.pattern, spec.flags);
}

// Tech Insights hands json-rules-engine flat facts that retrievers computed beforehand.
// With --flat, each (fact, path) a rule reads becomes one such fact, resolved before
// the timed runs; the rules then only compare values.
function flatten(conditions, paths) {
  if (conditions.all) return { all: conditions.all.map((c) => flatten(c, paths)) };
  if (conditions.any) return { any: conditions.any.map((c) => flatten(c, paths)) };
  const name = `${conditions.fact}${conditions.path || ''}`;
  paths.set(name, [conditions.fact, conditions.path]);
  return { fact: name, operator: conditions.operator, value: conditions.value };
}

function flatFacts(item, paths) {
  const facts = {};
  for (const [name, [fact, path]] of paths) {
    facts[name] = path ? JSONPath({ path, json: item[fact], wrap: false }) : item[fact];
  }
  return facts;
}

function engine(rules) {
  const e = new Engine([], { allowUndefinedFacts: true });
  e.addOperator('defined', (a) => a !== undefined);
  e.addOperator('notEmpty', (a) => Array.isArray(a) && a.length > 0);
  e.addOperator('notStartsWith', (a, b) => typeof a === 'string' && !a.startsWith(b));
  e.addOperator('minLength', (a, n) => typeof a === 'string' && [...a].length >= n);
  e.addOperator('matches', (a, spec) => typeof a === 'string' && regex(spec).test(a));
  e.addOperator('notMatches', (a, spec) => typeof a === 'string' && !regex(spec).test(a));
  e.addOperator('anyMatches', (a, spec) => Array.isArray(a)
    && a.some((item) => item && typeof item[spec.key] === 'string' && regex(spec).test(item[spec.key])));
  for (const [id, conditions] of Object.entries(rules)) {
    e.addRule({ name: id, conditions, event: { type: 'pass', params: { check: id } } });
  }
  return e;
}

async function scoreAll(e, facts, passes) {
  for (let i = 0; i < facts.length; i++) {
    const { events } = await e.run(facts[i]);
    if (passes) for (const ev of events) passes.push([input.entities[i].ref, ev.params.check]);
  }
}

async function main() {
  let rules = input.rules;
  let facts = input.entities.map((item) => ({ entity: item.entity, github: item.github }));
  if (input.flat) {
    const paths = new Map();
    rules = Object.fromEntries(Object.entries(rules).map(([id, c]) => [id, flatten(c, paths)]));
    facts = facts.map((item) => flatFacts(item, paths));
  }
  const e = engine(rules);
  const passes = [];
  await scoreAll(e, facts, passes);
  let best = Infinity;
  for (let i = 0; i < input.repeats; i++) {
    const start = process.hrtime.bigint();
    await scoreAll(e, facts, null);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  const evaluations = input.entities.length * Object.keys(rules).length;
  process.stdout.write(JSON.stringify({ seconds: best, evaluations, passes }));
}

main().catch((err) => { console.error(err); process.exit(1); });
