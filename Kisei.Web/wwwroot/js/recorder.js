// The in-page recorder (docs/design.md §2): getUserMedia → AudioWorklet → 16-bit PCM mono WAV at the
// device rate, with a level meter, an elapsed timer, the duration limit, and preview/send/discard.
import { encodeWav } from './wav.js';

const root = document.getElementById('recorder');
if (root) {
  const maxSeconds = Number(root.dataset.maxSeconds);
  const minSeconds = Number(root.dataset.minSeconds);
  const text = root.dataset;
  const $ = (id) => document.getElementById(id);
  const buttons = { record: $('record'), stop: $('stop'), send: $('send'), discard: $('discard') };
  const meter = $('meter-level');
  const elapsed = $('elapsed');
  const preview = $('preview');
  const status = $('recorder-status');

  const result = $('result');
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

  // A button that becomes disabled loses focus to the page body; move it to the next action instead,
  // unless the player has already moved it elsewhere.
  const moveFocus = (next) => {
    const active = document.activeElement;
    if (!active || active === document.body || (root.contains(active) && active.disabled)) next.focus();
  };

  // getUserMedia's error names (Media Capture and Streams §9.10) → the page's own words.
  const micMessage = (error) => {
    switch (error?.name) {
      case 'NotAllowedError': return text.textMicDenied;
      case 'NotFoundError': case 'OverconstrainedError': return text.textMicMissing;
      case 'NotReadableError': case 'AbortError': return text.textMicBusy;
      case 'SecurityError': return text.textMicInsecure;
      default: return navigator.mediaDevices ? text.textMicOther : text.textMicInsecure;
    }
  };

  let session = null;   // { context, stream, node, chunks, frames, sampleRate }
  let recording = null; // { blob, url, seconds }

  const setButtons = (state) => {
    buttons.record.disabled = state === 'starting' || state === 'recording' || state === 'sending';
    buttons.stop.disabled = state !== 'recording';
    buttons.send.disabled = state !== 'recorded';
    buttons.discard.disabled = state !== 'recorded';
    root.dataset.state = state;
  };

  const showLevel = (peak) => {
    meter.style.width = `${Math.min(100, Math.round(peak * 100))}%`;
  };

  const start = async () => {
    discard();
    // Disables 録音 while the microphone is being opened: a second click (a double click) would
    // otherwise open a second stream that feeds the same recording and is never closed.
    setButtons('starting');
    status.textContent = '';
    let stream;
    let context;
    let node;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      context = new AudioContext();
      await context.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
      node = new AudioWorkletNode(context, 'kisei-recorder', { numberOfInputs: 1, numberOfOutputs: 1 });
    } catch (error) {
      stream?.getTracks().forEach((track) => track.stop());
      context?.close();
      status.textContent = micMessage(error);
      setButtons('idle');
      moveFocus(buttons.record);
      return;
    }
    const source = context.createMediaStreamSource(stream);
    session = { context, stream, node, chunks: [], frames: 0, sampleRate: context.sampleRate };
    node.port.onmessage = ({ data }) => {
      if (!session) return;
      const room = Math.floor(maxSeconds * session.sampleRate) - session.frames;
      const samples = data.samples.length > room ? data.samples.subarray(0, Math.max(0, room)) : data.samples;
      session.chunks.push(samples);
      session.frames += samples.length;
      showLevel(data.peak);
      elapsed.textContent = (session.frames / session.sampleRate).toFixed(1);
      if (session.frames >= maxSeconds * session.sampleRate) stop();
    };
    source.connect(node);
    node.connect(context.destination); // the processor writes silence; connected so it keeps running
    setButtons('recording');
    moveFocus(buttons.stop);
  };

  const stop = () => {
    if (!session) return;
    const { context, stream, node, chunks, frames, sampleRate } = session;
    session = null;
    node.port.onmessage = null;
    node.disconnect();
    stream.getTracks().forEach((track) => track.stop());
    context.close();
    showLevel(0);
    const samples = new Float32Array(frames);
    let offset = 0;
    for (const chunk of chunks) { samples.set(chunk, offset); offset += chunk.length; }
    const seconds = frames / sampleRate;
    if (seconds < minSeconds) {
      status.textContent = text.textTooShort;
      setButtons('idle');
      moveFocus(buttons.record);
      return;
    }
    const blob = new Blob([encodeWav(samples, sampleRate)], { type: 'audio/wav' });
    recording = { blob, url: URL.createObjectURL(blob), seconds };
    preview.src = recording.url;
    preview.hidden = false;
    setButtons('recorded');
    moveFocus(buttons.send);
  };

  const discard = () => {
    if (recording) URL.revokeObjectURL(recording.url);
    recording = null;
    preview.hidden = true;
    preview.removeAttribute('src');
    elapsed.textContent = '0.0';
    setButtons('idle');
    moveFocus(buttons.record);
  };

  const send = async () => {
    if (!recording) return;
    setButtons('sending');
    status.textContent = text.textSending;
    const form = new FormData();
    form.append('audio', recording.blob, 'scream.wav');
    const token = document.querySelector('input[name="__RequestVerificationToken"]').value;
    let response;
    try {
      response = await fetch(root.dataset.uploadUrl, {
        method: 'POST',
        body: form,
        credentials: 'same-origin',
        headers: { Accept: 'application/json', RequestVerificationToken: token },
      });
    } catch {
      status.textContent = text.textNetwork;
      setButtons('recorded');
      buttons.send.focus();
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      // The server's detail is already in the reader's language (Accept-Language).
      status.textContent = text.textFailed + (body.detail || response.status);
      setButtons('recorded');
      buttons.send.focus();
      return;
    }
    if (recording) URL.revokeObjectURL(recording.url);
    recording = null;
    preview.hidden = true;
    preview.removeAttribute('src');
    elapsed.textContent = '0.0';
    setButtons('idle');
    status.textContent = text.textSent;
    // The result fragment polls itself with htmx until the score is in; the slot is a live region,
    // and it takes the focus and comes into view so that the score is seen and heard where it lands.
    await htmx.ajax('GET', `${body.url}?handler=Status`, { target: '#result', swap: 'innerHTML' });
    result.focus({ preventScroll: true });
    result.scrollIntoView({ block: 'start', behavior: reducedMotion.matches ? 'auto' : 'smooth' });
  };

  buttons.record.addEventListener('click', start);
  buttons.stop.addEventListener('click', stop);
  buttons.discard.addEventListener('click', discard);
  buttons.send.addEventListener('click', send);
  setButtons('idle');
}
