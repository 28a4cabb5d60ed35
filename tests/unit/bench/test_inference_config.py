from bench import inference
from bench.inference import Candidate, read_settings, render_config

BASE = (inference.MODEL_DIR / "config.pbtxt").read_text()


def test_no_change_keeps_the_config():
    assert render_config(BASE, Candidate("baseline")) == BASE


def test_each_setting_is_written():
    text = render_config(
        BASE,
        Candidate("x", preferred=(8, 16), delay_us=500, instances=2, intra=1, spinning=1, inter=2),
    )
    settings = read_settings(text)
    assert settings["preferred"] == "[8,16]"
    assert settings["delay_us"] == "500"
    assert settings["instances"] == "2"
    assert settings["INTRA_OP_THREADS"] == "1"
    assert settings["ALLOW_SPINNING"] == "1"
    assert settings["INTER_OP_THREADS"] == "2"
    assert text.count("preferred_batch_size") == 1


def test_empty_preferred_removes_the_line():
    text = render_config(BASE, Candidate("x", preferred=()))
    assert "preferred_batch_size" not in text
    assert read_settings(text)["preferred"] == "none"
    assert "dynamic_batching" in text


def test_missing_settings_are_added():
    bare = 'name: "m"\ndynamic_batching {\n}\ninstance_group [ { count: 1 kind: KIND_CPU } ]\n'
    text = render_config(bare, Candidate("x", preferred=(4,), delay_us=100, intra=3))
    settings = read_settings(text)
    assert settings["preferred"] == "[4]"
    assert settings["delay_us"] == "100"
    assert settings["INTRA_OP_THREADS"] == "3"


def test_parse_counts_adds_up_the_model_lines():
    metrics = "\n".join(
        [
            "# HELP nv_inference_count Number of inferences",
            'nv_inference_count{model="food_classifier",version="1"} 48',
            'nv_inference_count{model="other",version="1"} 1000',
            'nv_inference_exec_count{model="food_classifier",version="1"} 6',
        ]
    )
    assert inference.parse_counts(metrics, "food_classifier") == (48.0, 6.0)


def test_sweep_names_are_unique_and_describe_themselves():
    names = [c.name for c in inference.SWEEP]
    assert len(names) == len(set(names))
    assert inference.SWEEP[0].describe() == "as committed"
    assert "ALLOW_SPINNING=1" in Candidate("s", spinning=1).describe()


def test_make_repository_links_the_model(tmp_path):
    repo = inference.make_repository(tmp_path / "repo", 'name: "food_classifier"\n')
    model = repo / "food_classifier"
    assert (model / "config.pbtxt").read_text().startswith("name")
    assert (model / "1" / "model.py").exists()
    assert (model / "1" / "model.onnx").is_symlink()
    assert (model / "labels.txt").exists()


def test_quick_flags():
    args = inference.parse_args(["--quick", "--only-sweep"])
    assert args.rounds == 1
    assert args.sweep
    assert args.concurrent_requests < inference.parse_args([]).concurrent_requests
