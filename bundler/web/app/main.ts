/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard's entry point: one live connection for the page and a hash router over the
 * three pages (`#/` the fleet, `#/device/<id>` one device, `#/ota` OTA updates).
 */
import { renderDevicePage } from './device-page.ts';
import { renderFleetPage } from './fleet-page.ts';
import { LiveEvents } from './live.ts';
import { renderOtaPage } from './ota-page.ts';

const main = document.getElementById('main')!;
const connection = document.getElementById('connection')!;
const live = new LiveEvents((connected) => {
  connection.textContent = connected ? 'live' : 'reconnecting…';
  connection.className = connected ? 'connected' : 'disconnected';
});

let leavePage: () => void = () => {};

function route(): void {
  leavePage();
  const hash = location.hash.replace(/^#/, '') || '/';
  const device = hash.match(/^\/device\/(.+)$/);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const current = link.getAttribute('href') === `#${hash}` || (link.getAttribute('href') === '#/' && device !== null);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (device) leavePage = renderDevicePage(main, live, decodeURIComponent(device[1]!));
  else if (hash === '/ota') leavePage = renderOtaPage(main, live);
  else leavePage = renderFleetPage(main, live);
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
live.start();
route();
