// The reference binding: onnxruntime-node (its N-API addon over the same libonnxruntime.so.1) running
// the same model file with the same input, one call after another, as the C# raw-binding run does.
// usage: node reference.js <onnxruntime-node package dir> <model.onnx> <logistic|text> <features> <calls> <warmup>
'use strict';
const [packageDir, modelPath, kind, features, calls, warmup] = process.argv.slice(2);
const ort = require(packageDir);

async function main() {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const input = session.inputNames[0];
  const makeFeeds = kind === 'text'
    ? () => ({ [input]: new ort.Tensor('string', ['great service, fast delivery, thanks'], [1]) })
    : (() => {
        const data = new Float32Array(Number(features));
        for (let i = 0; i < data.length; i++) data[i] = Math.sin(i);
        return () => ({ [input]: new ort.Tensor('float32', data, [1, data.length]) });
      })();

  for (let i = 0; i < Number(warmup); i++) await session.run(makeFeeds());
  const latencies = new Float64Array(Number(calls));
  const started = process.hrtime.bigint();
  for (let i = 0; i < latencies.length; i++) {
    const t0 = process.hrtime.bigint();
    const result = await session.run(makeFeeds());
    // Read the output as the C# run does (it copies outputs into managed arrays).
    for (const name of session.outputNames) void result[name].data[0];
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  latencies.sort();
  const pick = (p) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p / 100 * latencies.length) - 1))];
  process.stdout.write(JSON.stringify({ calls: latencies.length, elapsedMs, p50: pick(50), p95: pick(95) }) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
