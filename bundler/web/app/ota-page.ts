/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The OTA page: upload a package signed offline with `mote pack`, pick devices, give the bearer
 * token (kept in sessionStorage for the tab's life), publish, then watch each device's answer
 * arrive as `ota-result` pushes. When the server has no token configured the form says the
 * dashboard is read-only and how to make it writable.
 */
import { fetchAuth, fetchFleet, publishPackage, type DeviceSummary, type OtaAnswer } from './api.ts';
import { element, replaceChildren } from './dom.ts';
import { formatTime } from './format.ts';
import type { LiveEvents } from './live.ts';

const TOKEN_KEY = 'mote-ota-token';

export function renderOtaPage(container: HTMLElement, live: LiveEvents): () => void {
  const notice = element('div', { id: 'ota-notice', role: 'status' });
  const fileInput = element('input', { type: 'file', id: 'ota-package', accept: '.mote,application/octet-stream', required: true });
  const tokenInput = element('input', { type: 'password', id: 'ota-token', autocomplete: 'off', value: sessionStorage.getItem(TOKEN_KEY) ?? '' });
  const deviceList = element('fieldset', { class: 'device-picks' }, element('legend', {}, 'Devices'));
  const publishButton = element('button', { type: 'submit', id: 'ota-publish' }, 'Publish');
  const outcome = element('p', { id: 'ota-outcome', role: 'status', 'aria-live': 'polite' });
  const answers = element('tbody', {});
  const form = element(
    'form',
    { id: 'ota-form', class: 'ota-form' },
    element('div', { class: 'field' }, element('label', { for: 'ota-package' }, 'Package (made with mote pack)'), fileInput),
    deviceList,
    element('div', { class: 'field' }, element('label', { for: 'ota-token' }, 'Bearer token'), tokenInput),
    publishButton,
    outcome,
  );
  replaceChildren(
    container,
    element('h1', {}, 'OTA update'),
    notice,
    form,
    element('h2', {}, 'Answers'),
    element(
      'div',
      { class: 'table-scroll' },
      element('table', { id: 'ota-answers' }, element('thead', {}, element('tr', {}, ...['Device', 'Module', 'Outcome', 'Version', 'Message', 'At'].map((h) => element('th', { scope: 'col' }, h)))), answers),
    ),
  );

  void fetchAuth().then(({ writable }) => {
    if (writable) return;
    notice.className = 'notice';
    replaceChildren(notice, 'This dashboard is read-only: the server has no token. Start it with ', element('code', {}, 'mote serve --token-file <file>'), ' (the file holds the bearer token) to publish packages from here.');
    publishButton.disabled = true;
  });
  void fetchFleet().then(({ devices }) => replaceChildren(deviceList, element('legend', {}, 'Devices'), ...devicePicks(devices)));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    const chosen = [...deviceList.querySelectorAll<HTMLInputElement>('input[name=device]:checked')].map((box) => box.value);
    if (!file) return void (outcome.textContent = 'Choose a package file first.');
    if (chosen.length === 0) return void (outcome.textContent = 'Pick at least one device.');
    sessionStorage.setItem(TOKEN_KEY, tokenInput.value);
    publishButton.disabled = true;
    outcome.textContent = `Publishing ${file.name} to ${chosen.join(', ')}…`;
    try {
      const reply = await publishPackage(await file.arrayBuffer(), chosen, tokenInput.value);
      outcome.textContent = replyText(reply.status, reply.body, chosen);
      outcome.className = reply.status < 300 ? 'ok' : 'failed';
    } catch (error) {
      outcome.textContent = `The upload failed: ${(error as Error).message}`;
      outcome.className = 'failed';
    } finally {
      publishButton.disabled = false;
    }
  });

  return live.on('ota-result', (data) => answers.prepend(answerRow(data as OtaAnswer)));
}

function devicePicks(devices: DeviceSummary[]): HTMLElement[] {
  if (devices.length === 0) return [element('p', { class: 'muted' }, 'No device has reported yet.')];
  return devices.map((device) => {
    const id = `pick-${device.device}`;
    return element(
      'div',
      { class: 'pick' },
      element('input', { type: 'checkbox', name: 'device', value: device.device, id }),
      element('label', { for: id }, device.device, element('small', { class: device.online ? 'online' : 'offline' }, ` ${device.online ? 'online' : 'offline'}`)),
    );
  });
}

function replyText(status: number, body: unknown, devices: string[]): string {
  const detail = typeof body === 'string' ? body : (body as { error?: string; message?: string })?.error ?? (body as { message?: string })?.message ?? '';
  if (status === 401) return `Refused (401): the token is wrong. ${detail}`.trim();
  if (status === 403) return `Refused (403): the dashboard is read-only. ${detail}`.trim();
  if (status >= 300) return `Refused (${status}): ${detail}`;
  return `Published to ${devices.join(', ')}; waiting for their answers below.`;
}

function answerRow(answer: OtaAnswer): HTMLElement {
  const outcome = `${answer.outcome}${answer.reason ? ` (${answer.reason})` : ''}`;
  return element(
    'tr',
    { 'data-device': answer.device },
    element('th', { scope: 'row' }, answer.device ?? ''),
    element('td', {}, answer.module || '—'),
    element('td', { class: answer.outcome === 'accepted' ? 'ok' : 'failed' }, outcome),
    element('td', {}, answer.version ?? '—'),
    element('td', {}, answer.message),
    element('td', {}, formatTime(answer.receivedMs)),
  );
}
