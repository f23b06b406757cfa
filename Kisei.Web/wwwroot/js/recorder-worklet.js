// Runs on the audio thread: mixes each render quantum down to mono and hands the main thread
// batches of samples with their peak level.
const BATCH = 2048;

class KiseiRecorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.batch = new Float32Array(BATCH);
    this.filled = 0;
    this.peak = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (channels && channels.length > 0) {
      const frames = channels[0].length;
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels.length; c++) sum += channels[c][i];
        const sample = sum / channels.length;
        const magnitude = Math.abs(sample);
        if (magnitude > this.peak) this.peak = magnitude;
        this.batch[this.filled++] = sample;
        if (this.filled === BATCH) this.flush();
      }
    }
    return true;
  }

  flush() {
    const samples = this.batch.slice(0, this.filled);
    this.port.postMessage({ samples, peak: this.peak }, [samples.buffer]);
    this.filled = 0;
    this.peak = 0;
  }
}

registerProcessor('kisei-recorder', KiseiRecorder);
