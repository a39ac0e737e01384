#!/usr/bin/env python3
"""Rebuilds the seed corpora (fuzz/corpus/<target>/) and dictionaries (fuzz/dict/) from the
project's real files: data/scenarios/default.yaml and the validation cases' scenarios
(scenario), the HF config.json fixtures (hf_config), entries of data/gpus|models|offers/*.yaml
(catalog), command lines of the verbs (cli) and API requests (http). Overwrites them."""
import json
import pathlib
import re
import shutil

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def reset(name):
    d = CORPUS / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def entries(path, key):
    """The raw text of each `  - id:` entry of a data file's list, in file order."""
    text = path.read_text()
    body = text[text.index(key + ":"):]
    parts = body.split("\n  - ")[1:]
    return [key + ":\n  - " + p.rstrip() + "\n" for p in parts]


def scenario():
    d = reset("scenario")
    shutil.copy(ROOT / "data/scenarios/default.yaml", d / "default.yaml")
    cases = [json.loads(l) for l in (ROOT / "data/validation/cases.jsonl").read_text().splitlines() if l.strip()]
    for i, c in enumerate(cases):
        if i % 7:
            continue
        s = c["scenario"]
        (d / f"case-{c['id']}.json").write_text(json.dumps(s, indent=1) + "\n")
        if i % 21 == 0:
            (d / f"case-{c['id']}.yaml").write_text(yaml.safe_dump(s, sort_keys=False))
    (d / "minimal.yaml").write_text("model: gpt2\n")
    (d / "gpu-override.yaml").write_text(
        "model: llama-3.1-8b\nhardware: {gpu: {base: h100-sxm, memory_gb: 96}, count: 8, nodes: 2}\n"
        "parallelism: {tp: 2, pp: 2, zero: 3, sequence_parallel: true}\n"
        "training: {method: lora, lora: {rank: 8, targets: [q_proj, v_proj]}, seq_len: 8192,"
        " tokens: 1e9}\n")
    (d / "diffusion.yaml").write_text(
        "model: sdxl\ntraining: {method: lora, diffusion: {resolution: 1024,"
        " cache_latents: true}}\nhardware: {gpu: rtx-4090}\n")


def hf_config():
    d = reset("hf_config")
    for f in sorted((ROOT / "tests/unit/models/fixtures").glob("*.json")):
        shutil.copy(f, d / f.name)


def catalog():
    d = reset("catalog")
    for f in sorted((ROOT / "data/gpus").glob("*.yaml")):
        for i, e in enumerate(entries(f, "gpus")):
            if i % 4 == 0:
                (d / f"gpus-{f.stem}-{i}.yaml").write_text(e)
    for f in sorted((ROOT / "data/models").glob("*.yaml")):
        for i, e in enumerate(entries(f, "models")):
            if i % 3 == 0:
                (d / f"models-{f.stem}-{i}.yaml").write_text(e)
    for f in sorted((ROOT / "data/offers").glob("*.yaml")):
        for i, e in enumerate(entries(f, "offers")[:2]):
            (d / f"offers-{f.stem}-{i}.yaml").write_text(e)
    (d / "override.yaml").write_text("gpus:\n  - {id: h100-sxm, memory_gb: 96, tdp_w: 600}\n")
    (d / "override.json").write_text('{"gpus": [{"id": "rtx-4090", "memory_bw_gbs": 1200}]}\n')


def cli():
    d = reset("cli")
    lines = [
        ["estimate"],
        ["estimate", "--model", "llama-3.1-8b", "--gpu", "h100-sxm", "--method", "lora"],
        ["--format", "json", "estimate", "--model", "gpt2", "--seq-len", "1024", "--micro-batch", "4"],
        ["estimate", "--set", "training.lora.rank=64", "--set", "hardware.count=8", "--zero", "3"],
        ["estimate", "--tp", "2", "--pp", "2", "--count", "8", "--nodes", "2", "--checkpointing", "full"],
        ["--format", "csv", "estimate", "--precision", "fp8-mixed", "--optimizer", "adamw-8bit"],
        ["--explain", "fit", "--gpu", "rtx-3090", "--allow-shorter-seq"],
        ["compare", "h100-sxm", "a100-80gb-sxm", "rtx-4090"],
        ["gpus", "list", "--vendor", "nvidia", "--min-memory", "24"],
        ["gpus", "show", "h100-sxm"],
        ["models", "show", "mixtral-8x7b"],
        ["--format", "markdown", "models", "list"],
        ["estimate", "--offload", "optimizer+params", "--budget", "1000", "--objective", "cost"],
        ["--version"],
        ["estimate", "--help"],
    ]
    for i, args in enumerate(lines):
        (d / f"argv-{i:02d}").write_bytes(b"\0".join(a.encode() for a in args))


def http():
    d = reset("http")
    default = json.dumps(yaml.safe_load((ROOT / "data/scenarios/default.yaml").read_text()))
    cases = [json.loads(l) for l in (ROOT / "data/validation/cases.jsonl").read_text().splitlines() if l.strip()]
    requests = [
        "POST /api/estimate\n" + default,
        "POST /api/estimate?explain=true\n" + json.dumps(cases[0]["scenario"]),
        "POST /api/estimate\n" + json.dumps(cases[len(cases) // 2]["scenario"]),
        "POST /api/estimate\n",
        "POST /api/fit?allow-shorter-seq=true\n" + default,
        "POST /api/fit\n" + json.dumps(cases[-1]["scenario"]),
        "GET /api/gpus?vendor=nvidia&min-memory=24\n",
        "GET /api/gpus/h100-sxm\n",
        "GET /api/models\n",
        "GET /api/models/llama-3.1-8b\n",
        "GET /healthz\n",
        "GET /\n",
        "GET /api/estimate\n",
        "DELETE /api/gpus\n",
    ]
    for i, r in enumerate(requests):
        (d / f"request-{i:02d}").write_text(r)


def esc(s):
    """A libFuzzer dictionary literal body: backslash, quote and non-printable bytes escaped."""
    out = ""
    for ch in s:
        if ch in '\\"':
            out += "\\" + ch
        elif " " <= ch <= "~":
            out += ch
        else:
            out += "\\x%02x" % ord(ch)
    return out


def write_dict(name, header, words):
    lines = [f"# libFuzzer dictionary for {name} ({header}); made by fuzz/make_corpus.py."]
    lines += [f'"{esc(w)}"' for w in words]
    (ROOT / "fuzz/dict" / f"{name}.dict").write_text("\n".join(lines) + "\n")


def dicts():
    (ROOT / "fuzz/dict").mkdir(exist_ok=True)
    read = lambda p: (ROOT / p).read_text()
    acc = r'(?:Integer|Number|Bool|String|StringList|Enum|Map|Raw|Has|IntOr)\((?:f, )?"([a-z_0-9]+)"'
    io = read("src/gpuadv/io/scenario_loader.cc") + read("src/gpuadv/io/model_loader.cc")
    keys = set(re.findall(acc, io)) | {"model", "training", "hardware", "parallelism", "system",
                                       "constraints", "objective", "tp", "pp", "vpp", "cp", "ep"}
    enums = set(re.findall(r'\{"([a-z0-9+_.-]+)"', read("src/gpuadv/workload/enums.h") +
                           read("src/gpuadv/catalog/model_arch.h")))
    ids = ["llama-3.1-8b", "gpt2", "mixtral-8x7b", "sdxl", "h100-sxm", "rtx-4090", "mi300x",
           "all-linear"]
    syntax = [": ", "{", "}", "[", "]", ", ", "\n  ", "- ", "&a ", "*a", "null", "true", "false",
              "1e309", "-1", "nan", ".inf", "99999999999999999999", "0x10", "1e13", "10000000"]
    write_dict("scenario", "keys, enum names, catalog ids, YAML syntax",
               sorted(keys) + sorted(enums | set(ids)) + syntax)
    hf = set(re.findall(r'"([a-z_0-9]+)"', read("src/gpuadv/io/hf_config.cc")))
    write_dict("hf_config", "config.json keys and model types",
               [f'"{k}"' for k in sorted(hf)] +
               ["1e309", "-1", "99999999999999999999", "null", "true", "1.5", "{", "}", "[", "]",
                ":", ","])
    gpu = set(re.findall(acc, read("src/gpuadv/io/gpu_loader.cc")))
    write_dict("catalog", "GPU, model and offer keys",
               sorted(gpu | keys | {"gpus", "models", "offers", "id", "aliases"}) + syntax)
    main = read("tools/cli/main.cc")
    flags = set(re.findall(r'"(--[a-z0-9-]+)"', main))
    verbs = set(re.findall(r'^\s*\{"([a-z]+)", "', main, re.M))  # kVerbs entries
    write_dict("http", "methods, routes, query parameters, scenario keys",
               ["GET ", "POST ", "PUT ", "DELETE ", "/api/estimate", "/api/fit", "/api/gpus/",
                "/api/models/", "/healthz", "?explain=true", "&", "=", "%ff", "%00",
                "allow-shorter-seq", "vendor", "segment", "min-memory", "\n"] +
               [f'"{k}"' for k in sorted(keys)] + ["{", "}", "[", "]", ":", ","])
    write_dict("cli", "flags and verbs; arguments are NUL-separated",
               sorted(flags) + sorted(verbs) +
               ["\0", "--set\0training.seq_len=", "h100-sxm", "llama-3.1-8b", "json", "1e309",
                "-1"])


if __name__ == "__main__":
    dicts()
    scenario()
    hf_config()
    catalog()
    cli()
    http()
