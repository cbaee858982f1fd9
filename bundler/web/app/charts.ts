/// <reference lib="dom" />
/**
 * One live chart per module, drawn by uPlot: counters as rates per series (the busiest few),
 * gauges and top-N as lines, histograms as the latest distribution (bars) beside their count
 * over time, events as a scrolling table. `update` takes a fresh history and redraws in place.
 */
import uPlot from 'uplot';
import type { EventRow, ModuleHistoryView, Point } from './api.ts';
import { element, replaceChildren } from './dom.ts';
import { formatNumber, formatTime } from './format.ts';

/** How many series a counter, gauge or top-N chart shows: the ones with the largest values. */
const TOP_SERIES = 6;
const CHART_HEIGHT = 220;
/** The shortest time a chart spans, so that a first point or two do not stretch the axis to years. */
const MIN_SPAN_SECONDS = 300;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777'];

export interface ModuleChart {
  readonly root: HTMLElement;
  update(history: ModuleHistoryView): void;
  destroy(): void;
}

/** A chart (or table) for `module`, empty until its first history arrives. */
export function moduleChart(module: string): ModuleChart {
  const body = element('div', { class: 'chart-body' });
  const root = element('section', { class: 'module-chart', 'data-module': module, 'aria-label': `${module} chart` }, element('h3', {}, module), body);
  let slots: Slot[] = [];
  let shape = '';
  const resize = new ResizeObserver(() => slots.forEach((slot) => slot.resize(chartWidth(body))));
  resize.observe(body);
  const clear = () => slots.splice(0).forEach((slot) => slot.destroy());

  const update = (history: ModuleHistoryView) => {
    const views = viewsOf(history);
    const nextShape = JSON.stringify(views.map((view) => (view.kind === 'table' ? view.fields : view.labels)));
    if (nextShape !== shape) {
      clear();
      slots = views.map((view) => (view.kind === 'table' ? tableSlot() : plotSlot(view, chartWidth(body))));
      replaceChildren(body, ...slots.map((slot) => slot.root));
      if (views.length === 0) body.append(element('p', { class: 'muted' }, 'No records yet.'));
      shape = nextShape;
    }
    views.forEach((view, index) => slots[index]!.show(view));
    root.dataset.points = String(views.reduce((sum, view) => sum + (view.kind === 'table' ? view.rows.length : view.data[0].length), 0));
    root.dataset.updates = String(Number(root.dataset.updates ?? 0) + 1);
  };

  return {
    root,
    update,
    destroy() {
      resize.disconnect();
      clear();
    },
  };
}

/** One plot or table inside a module's chart, kept across updates while its series stay the same. */
interface Slot {
  root: HTMLElement;
  show(view: View): void;
  resize(width: number): void;
  destroy(): void;
}

function plotSlot(first: PlotView, width: number): Slot {
  const root = element('figure', { class: 'plot', 'aria-label': first.title }, element('figcaption', {}, first.title));
  const plot = new uPlot(plotOptions(first, width), first.data, root);
  return {
    root,
    show: (view) => view.kind !== 'table' && plot.setData(view.data),
    resize: (nextWidth) => plot.setSize({ width: nextWidth, height: CHART_HEIGHT }),
    destroy: () => plot.destroy(),
  };
}

function tableSlot(): Slot {
  const root = element('div', { class: 'events-scroll', tabindex: 0, role: 'region', 'aria-label': 'Latest events' });
  return {
    root,
    show: (view) => view.kind === 'table' && replaceChildren(root, eventsTable(view.fields, view.rows)),
    resize: () => {},
    destroy: () => {},
  };
}

interface PlotView {
  kind: 'time' | 'bars';
  title: string;
  labels: string[];
  data: uPlot.AlignedData;
  unit?: string;
  /** Bars: the bucket bounds the x index stands for. */
  bucketLabels?: string[];
}

type View = PlotView | { kind: 'table'; fields: string[]; rows: EventRow[] };

function viewsOf(history: ModuleHistoryView): View[] {
  const views: View[] = [];
  if (history.kind === 'events') views.push({ kind: 'table', fields: history.fields ?? [], rows: history.rows ?? [] });
  if (history.kind === 'histogram' && history.buckets && history.buckets.length > 0) {
    const buckets = history.buckets;
    views.push({
      kind: 'bars',
      title: `Latest distribution${history.unit ? ` (${history.unit})` : ''}`,
      labels: ['count'],
      data: [buckets.map((_, index) => index), buckets.map((bucket) => bucket.count)],
      bucketLabels: buckets.map((bucket) => `≤${bucket.le}`),
    });
  }
  const series = busiest(history.series.filter((s) => s.points.length > 0));
  if (series.length > 0) {
    views.push({
      kind: 'time',
      title: timeTitle(history),
      labels: series.map((s) => s.label),
      data: uPlot.join(series.map((s) => [s.points.map((p) => p[0] / 1000), s.points.map((p) => p[1])] as uPlot.AlignedData)),
      unit: history.unit,
    });
  }
  return views;
}

function timeTitle(history: ModuleHistoryView): string {
  const unit = history.unit ? ` (${history.unit})` : '';
  if (history.kind === 'counter') return `Rate per series${unit}`;
  if (history.kind === 'histogram') return 'Count over time';
  if (history.kind === 'events') return 'Events per record';
  return `Over time${unit}`;
}

/** The series with the largest recent values, at most TOP_SERIES of them. */
function busiest<T extends { points: Point[] }>(series: T[]): T[] {
  const weight = (s: T) => s.points.slice(-10).reduce((sum, p) => sum + Math.abs(p[1]), 0);
  return [...series].sort((a, b) => weight(b) - weight(a)).slice(0, TOP_SERIES);
}

function plotOptions(view: PlotView, width: number): uPlot.Options {
  const colored = view.labels.map((label, index) => ({ label, color: PALETTE[index % PALETTE.length]! }));
  if (view.kind === 'bars') {
    const bucketLabels = view.bucketLabels ?? [];
    return {
      width,
      height: CHART_HEIGHT,
      legend: { live: false },
      scales: { x: { time: false } },
      axes: [{ values: (_plot, ticks) => ticks.map((tick) => bucketLabels[tick] ?? '') }, { values: (_plot, ticks) => ticks.map(formatNumber) }],
      series: [
        { label: 'bucket' },
        { label: 'count', stroke: colored[0]!.color, fill: `${colored[0]!.color}88`, paths: uPlot.paths.bars!({ size: [0.8, 64] }), points: { show: false } },
      ],
    };
  }
  return {
    width,
    height: CHART_HEIGHT,
    legend: { live: false },
    scales: { x: { range: (_plot, min, max) => (max - min < MIN_SPAN_SECONDS ? [max - MIN_SPAN_SECONDS, max] : [min, max]) } },
    axes: [{}, { values: (_plot, ticks) => ticks.map(formatNumber), size: 60 }],
    series: [{ label: 'time' }, ...colored.map(({ label, color }) => ({ label, stroke: color, width: 2, spanGaps: true }))],
  };
}

function chartWidth(container: HTMLElement): number {
  return Math.max(260, Math.floor(container.clientWidth || 600));
}

/** The newest events first, with the time each arrived. */
function eventsTable(fields: string[], rows: EventRow[]): HTMLElement {
  return element(
    'table',
    { class: 'events' },
    element('thead', {}, element('tr', {}, ...['time', ...fields].map((field) => element('th', { scope: 'col' }, field)))),
    element('tbody', {}, ...[...rows].reverse().map((row) => element('tr', {}, element('td', {}, formatTime(row.timeMs)), ...row.values.map((value) => element('td', {}, value === null ? '' : String(value)))))),
  );
}
