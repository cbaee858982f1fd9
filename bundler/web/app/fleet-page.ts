/// <reference lib="dom" />
/**
 * The fleet page: totals at the top, then every device in a table that sorts by a click on a
 * column header and filters by a text box. It redraws on each `fleet` push from the server.
 */
import { fetchFleet, type DeviceSummary, type Fleet } from './api.ts';
import { element, replaceChildren } from './dom.ts';
import { formatAge, formatNumber, formatTime } from './format.ts';
import type { LiveEvents } from './live.ts';
import { latestOnly } from './latest-only.ts';

interface Column {
  title: string;
  sortKey: (device: DeviceSummary) => string | number;
  cell: (device: DeviceSummary) => Node | string;
  numeric?: boolean;
}

/** How often "12 s ago" is brought up to date, and how soon after a push the totals are refetched. */
const AGE_REDRAW_MS = 5000;
const TOTALS_REFETCH_MS = 2000;

const runningCount = (device: DeviceSummary) => device.modules.filter((m) => !m.error).length;

const COLUMNS: Column[] = [
  { title: 'Device', sortKey: (d) => d.device, cell: (d) => element('a', { href: `#/device/${encodeURIComponent(d.device)}` }, d.device) },
  {
    title: 'Status',
    sortKey: (d) => (d.online ? 0 : 1),
    cell: (d) => element('span', { class: `state ${d.online ? 'online' : 'offline'}`, title: `since ${formatTime(d.sinceMs)}` }, d.online ? 'online' : 'offline', element('small', {}, ` since ${formatAge(d.sinceMs)}`)),
  },
  { title: 'Last seen', sortKey: (d) => -d.lastSeenMs, cell: (d) => element('span', { title: formatTime(d.lastSeenMs) }, formatAge(d.lastSeenMs)) },
  { title: 'Agent', sortKey: (d) => d.agentVersion, cell: (d) => d.agentVersion },
  { title: 'Kernel', sortKey: (d) => d.kernel, cell: (d) => d.kernel },
  { title: 'Arch', sortKey: (d) => d.arch, cell: (d) => d.arch },
  { title: 'Modules', sortKey: runningCount, cell: modulesCell },
  { title: 'Lost records', sortKey: (d) => d.lostRecords, cell: (d) => formatNumber(d.lostRecords), numeric: true },
];

function modulesCell(device: DeviceSummary): Node {
  const failed = device.modules.filter((m) => m.error);
  const list = device.modules.map((m) => `${m.name} ${m.version}${m.error ? ` (not running: ${m.error})` : ''}`).join('\n');
  return element('span', { title: list }, `${runningCount(device)} running`, failed.length > 0 && element('span', { class: 'failed' }, `, ${failed.length} failed`));
}

const TOTALS: Array<[keyof Fleet['totals'], string]> = [
  ['devices', 'Devices'],
  ['online', 'Online'],
  ['offline', 'Offline'],
  ['lostRecords', 'Lost records'],
  ['badInput', 'Bad input'],
];

export function renderFleetPage(container: HTMLElement, live: LiveEvents): () => void {
  let fleet: Fleet | null = null;
  let sortColumn = 0;
  let sortDescending = false;
  const totals = element('dl', { class: 'totals', 'aria-label': 'Fleet totals' });
  const filter = element('input', { type: 'search', id: 'device-filter', placeholder: 'name, kernel, version, module…', autocomplete: 'off' });
  const table = element('table', { class: 'devices', id: 'fleet-table' });
  const caption = element('p', { class: 'muted', role: 'status' }, 'Loading…');
  replaceChildren(
    container,
    element('h1', {}, 'Fleet'),
    totals,
    element('div', { class: 'toolbar' }, element('label', { for: 'device-filter' }, 'Filter devices'), filter),
    element('div', { class: 'table-scroll' }, table),
    caption,
  );

  const draw = () => {
    if (!fleet) return;
    replaceChildren(totals, ...TOTALS.flatMap(([key, label]) => [element('div', { 'data-total': key }, element('dt', {}, label), element('dd', {}, formatNumber(fleet!.totals[key])))]));
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = fleet.devices.filter((d) => words.every((word) => searchText(d).includes(word)));
    const key = COLUMNS[sortColumn]!.sortKey;
    shown.sort((a, b) => compare(key(a), key(b)) * (sortDescending ? -1 : 1) || a.device.localeCompare(b.device));
    replaceChildren(table, element('thead', {}, headerRow()), element('tbody', {}, ...shown.map(deviceRow)));
    caption.textContent = fleet.devices.length === 0 ? 'No device has reported yet.' : `${shown.length} of ${fleet.devices.length} devices shown.`;
  };

  const headerRow = () =>
    element(
      'tr',
      {},
      ...COLUMNS.map((column, index) =>
        element(
          'th',
          { scope: 'col', 'aria-sort': index === sortColumn ? (sortDescending ? 'descending' : 'ascending') : undefined, class: column.numeric ? 'num' : undefined },
          element('button', { type: 'button', onclick: () => sortBy(index) }, column.title, index === sortColumn ? (sortDescending ? ' ▼' : ' ▲') : ''),
        ),
      ),
    );

  const sortBy = (index: number) => {
    sortDescending = index === sortColumn ? !sortDescending : false;
    sortColumn = index;
    draw();
  };

  const deviceRow = (device: DeviceSummary) =>
    element(
      'tr',
      { 'data-device': device.device, class: device.online ? undefined : 'is-offline' },
      ...COLUMNS.map((column, index) =>
        element(index === 0 ? 'th' : 'td', { 'data-label': column.title, scope: index === 0 ? 'row' : undefined, class: column.numeric ? 'num' : undefined }, column.cell(device)),
      ),
    );

  const refresh = latestOnly(fetchFleet, (next) => {
    fleet = next;
    draw();
  }, (error) => (caption.textContent = `Could not load the fleet: ${error.message}`));

  /** A pushed summary shows at once; the totals' bad-input count comes with a refetch soon after. */
  let totalsRefetch: ReturnType<typeof setTimeout> | undefined;
  const accept = (summary: DeviceSummary) => {
    if (!fleet) return refresh();
    fleet = withDevice(fleet, summary);
    draw();
    totalsRefetch ??= setTimeout(() => {
      totalsRefetch = undefined;
      refresh();
    }, TOTALS_REFETCH_MS);
  };

  filter.addEventListener('input', draw);
  const stopListening = live.on('fleet', (data) => accept(data as DeviceSummary));
  const ageTimer = setInterval(draw, AGE_REDRAW_MS);
  refresh();
  return () => {
    stopListening();
    clearInterval(ageTimer);
    clearTimeout(totalsRefetch);
  };
}

/** `fleet` with `summary` added or replaced, its totals counted again (bad input kept as it was). */
function withDevice(fleet: Fleet, summary: DeviceSummary): Fleet {
  const devices = [...fleet.devices.filter((d) => d.device !== summary.device), summary];
  const online = devices.filter((d) => d.online).length;
  const lostRecords = devices.reduce((sum, d) => sum + d.lostRecords, 0);
  return { devices, totals: { ...fleet.totals, devices: devices.length, online, offline: devices.length - online, lostRecords } };
}

function searchText(device: DeviceSummary): string {
  return [device.device, device.online ? 'online' : 'offline', device.agentVersion, device.kernel, device.arch, ...device.modules.map((m) => m.name)].join(' ').toLowerCase();
}

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}
