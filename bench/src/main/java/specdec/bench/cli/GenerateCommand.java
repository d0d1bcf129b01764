package specdec.bench.cli;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import specdec.engine.SpecdecException;
import specdec.engine.backend.Backend;
import specdec.engine.decode.AutoregressiveDecoder;
import specdec.engine.decode.BenchmarkConfig;
import specdec.engine.decode.Drafter;
import specdec.engine.tensor.DType;
import specdec.engine.decode.GenerationOptions;
import specdec.engine.decode.GenerationResult;
import specdec.engine.decode.ModelDrafter;
import specdec.engine.decode.NgramDrafter;
import specdec.engine.decode.SamplingParams;
import specdec.engine.decode.SpeculativeDecoder;
import specdec.models.ModelLoader;
import specdec.models.OfflinePairs;
import specdec.models.PairRegistry;
import specdec.models.hub.ModelRef;
import specdec.models.TransformerModel;
import specdec.models.VocabularyCheck;
import specdec.models.tokenizer.TextTokenizer;
import specdec.models.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate tokens autoregressively, or speculatively with --draft DIR or --draft-ngram N, and report latency and acceptance.")
final class GenerateCommand extends CliCommand implements Callable<Integer> {
    @Mixin
    ModelOption target;

    @Option(names = "--pair", description = "A registered draft/target pair (see 'specdec pairs'); offline pairs are created on first use.")
    String pair;

    @Option(names = "--pairs-file", description = "A YAML file of extra pairs, in the format of the built-in models/src/main/resources/specdec/pairs.yaml.")
    Path pairsFile;

    private Path model;

    @ArgGroup(exclusive = true)
    DraftChoice draft;

    static final class DraftChoice {
        @Option(names = "--draft", description = "Draft model: a directory or a Hugging Face id (same vocabulary as the target), "
                + "or self:q8_0 / self:q4_0 for the target's own checkpoint quantised at load (self-speculation).")
        String arg;

        Path dir;

        /** The draft's quantisation: from self:FMT, or --draft-quantize. */
        DType quantization;

        @Option(names = "--draft-ngram", description = "Draft by prompt lookup with n-grams of up to N tokens.")
        Integer ngram;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--ids", description = "Prompt as comma-separated token ids.")
        String ids;

        @Option(names = "--prompt", description = "Prompt text, encoded with the target's tokenizer (BOS added as its files say).")
        String prompt;
    }

    @Option(names = "--k", defaultValue = "4", description = "Draft tokens per round (default: ${DEFAULT-VALUE}).")
    int k;

    @Mixin
    QuantizeOption quantize;

    @Option(names = "--draft-quantize", description = "Quantise the draft model's matrices at load: q8_0 or q4_0 (default: as stored).")
    String draftQuantize;

    @Option(names = "--adaptive-k", description = "Grow K after fully accepted rounds and shrink it after rejections, within [1, --k].")
    boolean adaptiveK;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling threshold; 1 = off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--num-samples", defaultValue = "1", description = "Independent completions, seeds derived from --seed (default: ${DEFAULT-VALUE}).")
    int numSamples;

    @Option(names = "--ignore-eos", description = "Do not stop at end-of-sequence tokens (for benchmarking).")
    boolean ignoreEos;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed generations run first so the JIT has compiled the kernels (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-quiet", defaultValue = "0", description = "After the --warmup generations, more until the JIT compiler has finished nothing for this many seconds and has nothing queued or in progress (at most 30 s in all; default: ${DEFAULT-VALUE}, none; 1 for timing comparisons).")
    double warmupQuiet;

    @Option(names = "--json", description = "Print one GenerationResult JSON object per sample per line.")
    boolean json;

    @Mixin
    BackendOption backendOption;

    private TextTokenizer tokenizer;

    @Override
    public Integer call() {
        if (pair != null) {
            if (target.given() || draft != null) throw new SpecdecException("--pair names both models: drop --model, --draft and --draft-ngram");
            PairRegistry.Pair p = (pairsFile != null ? PairRegistry.withFile(pairsFile) : PairRegistry.load()).get(pair);
            if (p.unavailable() != null) throw new SpecdecException("pair '" + pair + "' is not available: " + p.unavailable());
            draft = new DraftChoice();
            if (p.offline() != null) {
                Path[] dirs = OfflinePairs.ensure(p.name(), p.offline(), OfflinePairs.cacheRoot());
                model = dirs[0];
                draft.dir = dirs[1];
            } else {
                model = ModelRef.resolve(p.target());
                draft.dir = p.selfDraftQuantization() != null ? model : ModelRef.resolve(p.draft());
            }
            draft.quantization = p.selfDraftQuantization();
        } else if (!target.given()) {
            throw new SpecdecException("give --model DIR|ID (optionally with --draft DIR|ID or --draft-ngram N) or --pair NAME");
        } else {
            model = target.resolve();
            if (draft != null && draft.arg != null) {
                draft.quantization = PairRegistry.selfQuantization(draft.arg);
                draft.dir = draft.quantization != null ? model : ModelRef.resolve(draft.arg);
            }
        }
        Warmup.check(warmup, warmupQuiet);
        if (input.prompt != null && !Tokenizers.available(model)) {
            throw new SpecdecException("--prompt needs a tokenizer but " + model + " has no tokenizer.json (or vocab.json + merges.txt); give token ids with --ids");
        }
        try (TextTokenizer tokenizer = Tokenizers.available(model) ? Tokenizers.load(model) : null) {
            int[] prompt = input.prompt != null ? tokenizer.encode(input.prompt, true) : TokenIds.parse(input.ids, "--ids");
            return generate(prompt, tokenizer);
        }
    }

    private int generate(int[] prompt, TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        if (numSamples < 1) throw new SpecdecException("--num-samples must be >= 1, got " + numSamples);
        SamplingParams sampling = new SamplingParams(temperature, topK, topP);
        if (draft != null && draft.ngram != null && draft.ngram < 1) throw new SpecdecException("--draft-ngram must be >= 1, got " + draft.ngram);
        if (k < 1) throw new SpecdecException("--k must be >= 1, got " + k);
        if (draftQuantize != null) {
            if (draft == null || draft.dir == null) throw new SpecdecException("--draft-quantize needs a draft model (--draft or --pair)");
            if (draft.quantization != null) throw new SpecdecException("the draft is already self:" + draft.quantization.name().toLowerCase(java.util.Locale.ROOT) + "; drop --draft-quantize");
            draft.quantization = DType.parseQuantization(draftQuantize);
        }
        try (Backend backend = backendOption.create();
             TransformerModel target = ModelLoader.load(model, backend, quantize.format())) {
            TransformerModel draftModel = null;
            try {
                if (draft != null && draft.dir != null) {
                    // refuse a mismatched pair before loading the draft's weights
                    VocabularyCheck.requireShared(model, target.config(), draft.dir, ModelLoader.readConfig(draft.dir));
                    draftModel = ModelLoader.load(draft.dir, backend, draft.quantization);
                }
                int capacity = (int) Math.min(target.contextLength(), (long) prompt.length + maxNewTokens);
                int[] eos = ignoreEos ? new int[0] : ModelLoader.eosTokenIds(model, target.config());
                String pairName = pair != null ? pair : draftModel != null ? draftLabel() + " -> " + model
                        : draft != null ? "ngram" + draft.ngram + " -> " + model : model.toString();
                String hash = new BenchmarkConfig(pairName, draft == null ? 0 : k, temperature, topK, topP, maxNewTokens, input.prompt != null ? "text" : "ids", seed).hash();
                GenerationOptions options = new GenerationOptions(maxNewTokens, sampling, seed, eos, hash);
                run(target, draftModel, prompt, capacity, options);
            } finally {
                if (draftModel != null) draftModel.close();
            }
        }
        return 0;
    }

    private String draftLabel() {
        return draft.quantization == null ? draft.dir.toString() : (draft.dir.equals(model) ? "self" : draft.dir.toString())
                + ":" + draft.quantization.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void run(TransformerModel target, TransformerModel draftModel, int[] prompt, int capacity, GenerationOptions options) {
        if (draft == null) {
            try (AutoregressiveDecoder ar = new AutoregressiveDecoder(target, capacity)) {
                if (warmup > 0) Warmup.run(() -> ar.generate(prompt, options), warmup, warmupQuiet);
                for (int s = 0; s < numSamples; s++) print(ar.generate(prompt, options.withSeed(sampleSeed(s))));
            }
            return;
        }
        Drafter drafter = draftModel != null
                ? new ModelDrafter(draftModel, Math.min(capacity, draftModel.contextLength()), k)
                : new NgramDrafter(draft.ngram, k);
        try (drafter; SpeculativeDecoder sd = new SpeculativeDecoder(target, drafter, capacity, k, adaptiveK)) {
            if (warmup > 0) Warmup.run(() -> sd.generate(prompt, options), warmup, warmupQuiet);
            for (int s = 0; s < numSamples; s++) print(sd.generate(prompt, options.withSeed(sampleSeed(s))));
        }
    }

    private long sampleSeed(int s) {
        return s == 0 ? seed : seed + s * 0x9E3779B97F4A7C15L;
    }

    private void print(GenerationResult r) {
        if (tokenizer != null) r = r.withText(tokenizer.decode(r.generatedIds(), true));
        if (json) {
            out().println(r.toJsonLine());
        } else {
            out().println(r.text() != null ? r.text() : Arrays.toString(r.generatedIds()));
            out().println(r.summaryLine());
        }
    }
}
