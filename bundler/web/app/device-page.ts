/// <reference lib="dom" />
/**
 * One device's page: what it is and runs (agent, kernel, modules with version and variant, or
 * why a module is not running), its online/offline transitions, its OTA answers, and a live
 * chart per module that is refetched whenever the server pushes a record of that module.
 */
import { fetchDevice, fetchModuleHistory, type DeviceDetail, type DeviceSummary, type RecordPush } from './api.ts';
import { moduleChart, type ModuleChart } from './charts.ts';
import { element, replaceChildren } from './dom.ts';
import { formatAge, formatNumber, formatTime } from './format.ts';
import { latestOnly } from './latest-only.ts';
import type { LiveEvents } from './live.ts';

interface ModuleView {
  chart: ModuleChart;
  refresh: () => void;
}

export function renderDevicePage(container: HTMLElement, live: LiveEvents, device: string): () => void {
  const heading = element('h1', {}, device);
  const facts = element('dl', { class: 'facts' });
  const modules = element('div', { class: 'table-scroll' });
  const transitions = element('div', { class: 'table-scroll short' });
  const ota = element('div', { class: 'table-scroll short' });
  const charts = element('div', { class: 'charts' });
  const message = element('p', { class: 'muted', role: 'status' }, 'Loading…');
  replaceChildren(
    container,
    element('p', {}, element('a', { href: '#/' }, '← Fleet')),
    heading,
    message,
    facts,
    element('h2', {}, 'Live charts'),
    charts,
    element('div', { class: 'columns' }, element('section', {}, element('h2', {}, 'Modules'), modules), element('section', {}, element('h2', {}, 'Status transitions'), transitions)),
    element('h2', {}, 'OTA history'),
    ota,
  );

  const moduleViews = new Map<string, ModuleView>();
  const viewOf = (module: string): ModuleView => {
    let view = moduleViews.get(module);
    if (!view) {
      const chart = moduleChart(module);
      charts.append(chart.root);
      const refresh = latestOnly(() => fetchModuleHistory(device, module), chart.update, () => {});
      view = { chart, refresh };
      moduleViews.set(module, view);
      refresh();
    }
    return view;
  };

  const draw = (detail: DeviceDetail) => {
    message.textContent = '';
    replaceChildren(heading, detail.device, ' ', element('span', { class: `state ${detail.online ? 'online' : 'offline'}`, id: 'device-state' }, detail.online ? 'online' : 'offline'));
    replaceChildren(facts, ...factsOf(detail).flatMap(([term, value]) => [element('div', {}, element('dt', {}, term), element('dd', {}, value))]));
    replaceChildren(modules, modulesTable(detail));
    replaceChildren(transitions, table(['State', 'At'], [...detail.transitions].reverse().map((t) => [element('span', { class: `state ${t.state}` }, t.state), formatTime(t.atMs)]), 'transitions'));
    replaceChildren(ota, otaTable(detail));
    for (const module of detail.modules) if (!module.error) viewOf(module.name);
  };

  const refreshDetail = latestOnly(() => fetchDevice(device), draw, (error) => (message.textContent = `Could not load ${device}: ${error.message}`));
  const stops = [
    live.on('fleet', (data) => (data as DeviceSummary).device === device && refreshDetail()),
    live.on('ota-result', (data) => (data as { device?: string }).device === device && refreshDetail()),
    live.on('record', (data) => {
      const record = data as RecordPush;
      if (record.device === device) viewOf(record.module).refresh();
    }),
  ];
  refreshDetail();
  return () => {
    stops.forEach((stop) => stop());
    moduleViews.forEach((view) => view.chart.destroy());
  };
}

function factsOf(detail: DeviceDetail): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    [detail.online ? 'Online since' : 'Offline since', `${formatTime(detail.sinceMs)} (${formatAge(detail.sinceMs)})`],
    ['Last seen', `${formatTime(detail.lastSeenMs)} (${formatAge(detail.lastSeenMs)})`],
    ['First seen', formatTime(detail.firstSeenMs)],
    ['Agent', detail.agentVersion],
    ['Kernel', detail.kernel],
    ['Arch', detail.arch],
    ['Boot', `${detail.bootId} (${detail.boots} boot${detail.boots === 1 ? '' : 's'} seen)`],
    ['Lost records', lostText(detail)],
  ];
  if (detail.counters) {
    const c = detail.counters;
    facts.push(['Agent counters', `sent ${c.sent}, dropped ${c.dropped}, reconnects ${c.reconnects}, outbox ${c.depth}, rejected ${c.rejected ?? 0}`]);
  }
  return facts;
}

function lostText(detail: DeviceDetail): string {
  const byModule = Object.entries(detail.lostByModule ?? {}).filter(([, count]) => count > 0);
  return `${formatNumber(detail.lostRecords)}${byModule.length > 0 ? ` (${byModule.map(([module, count]) => `${module} ${count}`).join(', ')})` : ''}`;
}

function modulesTable(detail: DeviceDetail): HTMLElement {
  return table(
    ['Module', 'Version', 'Variant', 'State'],
    detail.modules.map((m) => [m.name, m.version, m.variant ?? '—', m.error ? element('span', { class: 'failed' }, `not running: ${m.error}`) : 'running']),
    'modules',
  );
}

function otaTable(detail: DeviceDetail): HTMLElement {
  if (detail.ota.length === 0) return element('p', { class: 'muted' }, 'No OTA answers from this device yet.');
  return table(
    ['At', 'Module', 'Outcome', 'Version', 'Message'],
    detail.ota.map((answer) => [formatTime(answer.receivedMs), answer.module || '—', `${answer.outcome}${answer.reason ? ` (${answer.reason})` : ''}`, answer.version ?? '—', answer.message]),
    'ota-history',
  );
}

function table(headers: string[], rows: Array<Array<Node | string>>, id: string): HTMLElement {
  if (rows.length === 0) return element('p', { class: 'muted' }, 'None yet.');
  return element(
    'table',
    { id },
    element('thead', {}, element('tr', {}, ...headers.map((header) => element('th', { scope: 'col' }, header)))),
    element('tbody', {}, ...rows.map((row) => element('tr', {}, ...row.map((cell) => element('td', {}, cell))))),
  );
}
