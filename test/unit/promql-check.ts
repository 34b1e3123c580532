/**
 * Checks PromQL expressions (the chart's Grafana dashboard and PrometheusRule alerts) against what
 * a running `profile-guard serve` exports: every metric a selector names exists, every label a
 * selector, `by (...)`, `without (...)`, `on (...)`/`ignoring (...)`, a legend's `{{label}}` or an
 * alert's `{{ $labels.x }}` uses exists where it is used, `rate`/`increase` only read counters,
 * `histogram_quantile` reads a `_bucket` series grouped by `le`, and two vectors combined without
 * `on`/`ignoring` have the same labels (else no series would ever match). promtool is not
 * available here; expressions are parsed with Prometheus' own lezer grammar
 * (@prometheus-io/lezer-promql, the parser of the Prometheus UI), and this file derives, for each
 * sub-expression, the labels its result series carry.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** A syntax node of the lezer tree (the subset used here). */
interface SyntaxNode {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: SyntaxNode | null;
  readonly nextSibling: SyntaxNode | null;
  getChild(name: string): SyntaxNode | null;
  getChildren(name: string): SyntaxNode[];
}

/** A metric family of a /metrics scrape: its type and, per sample name, the label names seen. */
export interface Scrape {
  /** `# TYPE` by family name. */
  readonly types: ReadonlyMap<string, string>;
  /** Label names by sample name (`x_bucket`, `x_sum`, `x_count` for histograms). */
  readonly samples: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Parses the Prometheus text exposition format: `# TYPE` lines and samples
 * `name{label="value",...} value`, label values with `\"`, `\\` and `\n` escapes.
 */
export function parseScrape(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name !== undefined && type !== undefined) types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const name = line.slice(0, brace >= 0 && brace < space ? brace : space);
    const labels = samples.get(name) ?? new Set<string>();
    samples.set(name, labels);
    if (brace < 0 || brace > space) continue;
    let i = brace + 1;
    while (i < line.length && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      labels.add(line.slice(i, eq).trim());
      i = eq + 2; // past ="
      while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
      i += 1; // the closing quote
      if (line[i] === ',') i += 1;
    }
  }
  return { types, samples };
}

/** What an expression evaluates to: a scalar, or vectors whose series carry these labels. */
type Value =
  { readonly kind: 'scalar' } | { readonly kind: 'vector'; readonly labels: Set<string> };

const SCALAR: Value = { kind: 'scalar' };

/** Functions over a range vector that keep the series' labels and read counters. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);
/** Functions that return a scalar, or no labelled series. */
const SCALAR_FUNCTIONS = new Set([
  'time',
  'scalar',
  'pi',
  'minute',
  'hour',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'month',
  'year',
]);

/** The result of {@link checkExpression}: its result labels (undefined for a scalar) and problems. */
export interface ExpressionCheck {
  readonly labels: ReadonlySet<string> | undefined;
  readonly problems: readonly string[];
}

/**
 * Checks `expression` against `scrape`. `targetLabels` are the labels Prometheus adds to every
 * scraped series (job, instance, and what the ServiceMonitor's relabelling adds).
 */
export function checkExpression(
  expression: string,
  scrape: Scrape,
  targetLabels: readonly string[],
): ExpressionCheck {
  const problems: string[] = [];
  const tree = parser.parse(expression);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        problems.push(
          `syntax error at ${node.from}: ${JSON.stringify(expression.slice(node.from, node.from + 20))}`,
        );
      }
    },
  });
  if (problems.length > 0) return { labels: undefined, problems };
  const text = (node: SyntaxNode): string => expression.slice(node.from, node.to);
  const children = (node: SyntaxNode): SyntaxNode[] => {
    const out: SyntaxNode[] = [];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) out.push(child);
    return out;
  };
  const groupingLabels = (node: SyntaxNode | null): string[] =>
    node === null
      ? []
      : (node.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map(text);

  const selector = (node: SyntaxNode): Value => {
    const name = node.getChild('Identifier');
    if (name === null) {
      problems.push(`a selector without a metric name: ${text(node)}`);
      return { kind: 'vector', labels: new Set(targetLabels) };
    }
    const metric = text(name);
    const known = scrape.samples.get(metric);
    if (known === undefined) {
      problems.push(`metric ${metric} is not exported by serve`);
      return { kind: 'vector', labels: new Set(targetLabels) };
    }
    const labels = new Set([...known, ...targetLabels]);
    const matchers = node.getChild('LabelMatchers');
    for (const label of matchers === null ? [] : descendants(matchers, 'LabelName')) {
      const labelName = text(label);
      if (!labels.has(labelName) && labelName !== '__name__') {
        problems.push(`${metric} has no label ${labelName}`);
      }
    }
    return { kind: 'vector', labels };
  };

  const metricOf = (node: SyntaxNode): string | undefined => {
    const vector = node.name === 'MatrixSelector' ? node.getChild('VectorSelector') : node;
    const identifier = vector?.getChild('Identifier');
    return identifier === null || identifier === undefined ? undefined : text(identifier);
  };

  const isCounter = (metric: string): boolean => {
    if (scrape.types.get(metric) === 'counter') return true;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (metric.endsWith(suffix)) {
        const type = scrape.types.get(metric.slice(0, -suffix.length));
        if (type === 'histogram' || type === 'summary') return true;
      }
    }
    return false;
  };

  const evaluate = (node: SyntaxNode): Value => {
    switch (node.name) {
      case 'PromQL':
      case 'ParenExpr':
      case 'UnaryExpr':
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'SubqueryExpr': {
        const inner = children(node).find((child) => isExpression(child));
        return inner === undefined ? SCALAR : evaluate(inner);
      }
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return SCALAR;
      case 'VectorSelector':
        return selector(node);
      case 'MatrixSelector': {
        const vector = node.getChild('VectorSelector');
        return vector === null ? SCALAR : selector(vector);
      }
      case 'FunctionCall':
        return functionCall(node);
      case 'AggregateExpr':
        return aggregate(node);
      case 'BinaryExpr':
        return binary(node);
      default:
        problems.push(`unsupported expression ${node.name}: ${text(node)}`);
        return SCALAR;
    }
  };

  const functionCall = (node: SyntaxNode): Value => {
    const identifier = node.getChild('FunctionIdentifier');
    const name = identifier === null ? '' : text(identifier);
    const body = node.getChild('FunctionCallBody');
    const args = body === null ? [] : children(body).filter((child) => isExpression(child));
    const values = args.map(evaluate);
    if (COUNTER_FUNCTIONS.has(name)) {
      const metric = args[0] === undefined ? undefined : metricOf(args[0]);
      if (metric !== undefined && scrape.samples.has(metric) && !isCounter(metric)) {
        problems.push(
          `${name}() of ${metric}, which is not a counter (${scrape.types.get(metric) ?? 'untyped'})`,
        );
      }
    }
    if (name === 'histogram_quantile') {
      const vector = values[1];
      if (vector?.kind !== 'vector') {
        problems.push('histogram_quantile() needs a vector');
        return SCALAR;
      }
      if (!vector.labels.has('le')) {
        problems.push(`histogram_quantile() of series without an le label: ${text(node)}`);
      }
      return { kind: 'vector', labels: without(vector.labels, ['le']) };
    }
    if (SCALAR_FUNCTIONS.has(name)) return SCALAR;
    const vector = values.find((value) => value.kind === 'vector');
    if (vector?.kind !== 'vector') return SCALAR;
    const labels = new Set(vector.labels);
    if (name === 'label_replace' || name === 'label_join') {
      const target = args[1];
      if (target?.name === 'StringLiteral') labels.add(text(target).slice(1, -1));
    }
    return { kind: 'vector', labels };
  };

  const aggregate = (node: SyntaxNode): Value => {
    const body = node.getChild('FunctionCallBody');
    const args = body === null ? [] : children(body).filter((child) => isExpression(child));
    const inner = args.map(evaluate).find((value) => value.kind === 'vector');
    const op = text(node.getChild('AggregateOp') ?? node);
    const modifier = node.getChild('AggregateModifier');
    const grouping = groupingLabels(modifier);
    const innerLabels = inner?.kind === 'vector' ? inner.labels : new Set<string>();
    for (const label of grouping) {
      if (!innerLabels.has(label))
        problems.push(
          `${op} ${modifier?.getChild('Without') === null ? 'by' : 'without'} (${label}): the series aggregated have no label ${label}`,
        );
    }
    if (['topk', 'bottomk', 'limitk', 'limit_ratio'].includes(op)) {
      return { kind: 'vector', labels: new Set(innerLabels) };
    }
    if (modifier === null) return { kind: 'vector', labels: new Set() };
    return modifier.getChild('Without') === null
      ? { kind: 'vector', labels: new Set(grouping) }
      : { kind: 'vector', labels: without(innerLabels, grouping) };
  };

  const binary = (node: SyntaxNode): Value => {
    const operands = children(node).filter((child) => isExpression(child));
    const [left, right] = operands.map(evaluate);
    if (left === undefined || right === undefined) return SCALAR;
    if (left.kind === 'scalar') return right;
    if (right.kind === 'scalar') return left;
    const clause = node.getChild('MatchingModifierClause');
    const listed = groupingLabels(clause);
    const leftLabels = without(left.labels, ['__name__']);
    const rightLabels = without(right.labels, ['__name__']);
    if (clause === null) {
      const onlyLeft = [...leftLabels].filter((label) => !rightLabels.has(label));
      const onlyRight = [...rightLabels].filter((label) => !leftLabels.has(label));
      if (onlyLeft.length > 0 || onlyRight.length > 0) {
        problems.push(
          `the two sides of ${JSON.stringify(text(node))} have different labels (${[...onlyLeft, ...onlyRight].join(', ')}): no series would match without on(...) or ignoring(...)`,
        );
      }
      return { kind: 'vector', labels: leftLabels };
    }
    const on = clause.getChild('On') !== null;
    for (const label of listed) {
      if (on && (!leftLabels.has(label) || !rightLabels.has(label))) {
        problems.push(`on (${label}): not a label of both sides of ${JSON.stringify(text(node))}`);
      }
    }
    return { kind: 'vector', labels: on ? new Set(listed) : without(leftLabels, listed) };
  };

  const top = tree.topNode as unknown as SyntaxNode;
  const result = evaluate(top);
  return { labels: result.kind === 'vector' ? result.labels : undefined, problems };
}

/** Grafana's interval variables, as a PromQL duration, so that its expressions parse. */
export function withGrafanaVariables(expression: string): string {
  return expression.replace(
    /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g,
    '5m',
  );
}

/** The `{{label}}` names of a Grafana legend format. */
export function legendLabels(format: string): string[] {
  return [...format.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map(
    (match) => match[1] ?? '',
  );
}

/** The `$labels.x` names of an alert annotation (Go template). */
export function annotationLabels(template: string): string[] {
  return [...template.matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (match) => match[1] ?? '',
  );
}

function without(labels: ReadonlySet<string>, removed: readonly string[]): Set<string> {
  return new Set([...labels].filter((label) => !removed.includes(label)));
}

/** Node names of the grammar that are (sub-)expressions. */
const EXPRESSIONS = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);

function isExpression(node: SyntaxNode): boolean {
  return EXPRESSIONS.has(node.name);
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const visit = (current: SyntaxNode): void => {
    for (let child = current.firstChild; child !== null; child = child.nextSibling) {
      if (child.name === name) found.push(child);
      else visit(child);
    }
  };
  visit(node);
  return found;
}
