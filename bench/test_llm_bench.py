"""Tests for the benchmark report: `python3 -m unittest bench/test_llm_bench.py`."""
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import llm_bench  # noqa: E402
import llm_peers  # noqa: E402


class PressgateStatsLine(unittest.TestCase):
    def test_parses_the_stats_line_of_model_run(self):
        line = (
            "prompt 63 tokens, generated 128 tokens (MaxNewTokens); prefill 708 ms "
            "(89.0 tok/s), first token 709 ms, decode 15.6 tok/s"
        )
        stats = llm_bench.PRESSGATE_STATS.search("warning: x\n" + line + "\n").groupdict()
        self.assertEqual(stats["prompt_tokens"], "63")
        self.assertEqual(stats["generated_tokens"], "128")
        self.assertEqual(stats["stop"], "MaxNewTokens")
        self.assertEqual(stats["prefill_tps"], "89.0")
        self.assertEqual(stats["ttft_ms"], "709")
        self.assertEqual(stats["decode_tps"], "15.6")

    def test_peak_rss_from_gnu_time(self):
        text = "\tMaximum resident set size (kbytes): 237096\n"
        self.assertEqual(llm_bench.MAX_RSS.search(text).group(1), "237096")


class DocsSection(unittest.TestCase):
    def test_replaces_only_the_llm_section(self):
        with tempfile.TemporaryDirectory() as tmp:
            docs = Path(tmp) / "benchmarks.md"
            docs.write_text("# Benchmarks\n\n<!-- rules -->\nR\n<!-- /rules -->\n\n<!-- llm -->\nold\n<!-- /llm -->\ntail\n")
            llm_bench.update_docs(docs, "new")
            text = docs.read_text()
            self.assertIn("<!-- rules -->\nR\n<!-- /rules -->", text)
            self.assertIn("<!-- llm -->\nnew\n<!-- /llm -->\ntail", text)
            self.assertNotIn("old", text)

    def test_creates_the_file_and_appends_the_section(self):
        with tempfile.TemporaryDirectory() as tmp:
            docs = Path(tmp) / "docs" / "benchmarks.md"
            llm_bench.update_docs(docs, "first")
            llm_bench.update_docs(docs, "second")
            text = docs.read_text()
            self.assertTrue(text.startswith("# Benchmarks\n"))
            self.assertEqual(text.count("<!-- llm -->"), 1)
            self.assertIn("second", text)


class TextComparison(unittest.TestCase):
    def test_identical(self):
        self.assertIn("identical", llm_bench.compare_text("a", "xy", "b", "xy"))

    def test_divergence_reports_the_position(self):
        self.assertIn("diverges after 6 chars", llm_bench.compare_text("a", "Paris is", "b", "Paris was"))

    def test_prefix_of_a_longer_run_is_not_a_divergence(self):
        self.assertIn("same text over the first 5", llm_bench.compare_text("a", "Paris", "b", "Paris is"))


class PeerTimings(unittest.TestCase):
    def test_decode_rate_excludes_the_first_token(self):
        r = llm_peers.rates(10, 0.5, 0.6, first_at=1.0, last_at=3.0, generated=5)
        self.assertAlmostEqual(r["decode_tps"], 2.0)
        self.assertAlmostEqual(r["prefill_tps"], 20.0)
        self.assertAlmostEqual(r["ttft_ms"], 600.0)

    def test_chat_prompt_matches_smollm2_template(self):
        self.assertEqual(
            llm_peers.chat_prompt("Hi"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
            "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
        )


if __name__ == "__main__":
    unittest.main()
