#!/usr/bin/env python3
"""Regenerates tests/data/engine_keys/*.txt: the keys, flags and component arguments each
launch engine accepts, read from the engine's own source at a pinned commit.

Usage: extract_keys.py ENGINE SOURCE [--commit SHA] > tests/data/engine_keys/FILE.txt

  ENGINE  deepspeed | accelerate | torchrun | megatron | torchtune | axolotl |
          transformers | bitsandbytes | trl | peft
          (transformers: TrainingArguments and OptimizerNames; bitsandbytes: transformers'
          BitsAndBytesConfig; trl: SFTConfig's own fields; peft: LoraConfig)
  SOURCE  a git directory of the engine's repository (bare or not; read with `git show`),
          a plain checkout directory (files read from disk; --commit names the commit it
          holds), or, for torchrun, the file torch/distributed/run.py itself
  --commit the commit to read (default HEAD); recorded in the header line
  --source-note TEXT  one more `#` header line saying how SOURCE was obtained (e.g. a
          copy of the files rebuilt from the stored-source index when the repository
          snapshot is over the fetch limit)

Python 3 standard library only. Each list starts with `#` lines naming the repository,
the commit and the files read; the keys follow, one a line, sorted.
"""
import argparse
import ast
import os
import re
import subprocess
import sys

REPOS = {
    "deepspeed": "deepspeedai/DeepSpeed",
    "accelerate": "huggingface/accelerate",
    "torchrun": "pytorch/pytorch",
    "megatron": "NVIDIA/Megatron-LM",
    "torchtune": "pytorch/torchtune",
    "axolotl": "axolotl-ai-cloud/axolotl",
    "transformers": "huggingface/transformers",
    "bitsandbytes": "huggingface/transformers",
    "trl": "huggingface/trl",
    "peft": "huggingface/peft",
}


class Repo:
    """Reads files of one commit of a git directory."""

    def __init__(self, path, commit):
        self.path, self.commit = path, commit

    def show(self, name):
        return subprocess.run(["git", "-C", self.path, "show", f"{self.commit}:{name}"],
                              check=True, capture_output=True, text=True).stdout

    def ls(self, prefix):
        out = subprocess.run(["git", "-C", self.path, "ls-tree", "-r", "--name-only",
                              self.commit, prefix], check=True, capture_output=True, text=True)
        return out.stdout.split()


class Checkout:
    """Reads files of a plain checkout directory (no git history)."""

    def __init__(self, path):
        self.path = path

    def show(self, name):
        with open(os.path.join(self.path, name), encoding="utf-8") as f:
            return f.read()

    def ls(self, prefix):
        """Files under `prefix` (relative paths, sorted), like `git ls-tree -r --name-only`."""
        out = []
        for root, _, names in os.walk(os.path.join(self.path, prefix)):
            out += [os.path.relpath(os.path.join(root, n), self.path) for n in names]
        return sorted(out)


# ---------------------------------------------------------------------------------------
# Python source helpers (ast)


def argparse_flags(text):
    """Every option string of add_argument(...) calls ("--x", "-x" aliases included)."""
    flags = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            for a in node.args:
                if isinstance(a, ast.Constant) and str(a.value).startswith("--"):
                    flags.add(a.value)
    return flags


def classes(text):
    """{class name: ClassDef} of a module."""
    return {n.name: n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ClassDef)}


def model_fields(cls):
    """Field names of a pydantic model or dataclass body, with alias / AliasChoices names."""
    names = set()
    for st in cls.body:
        if not isinstance(st, ast.AnnAssign) or not isinstance(st.target, ast.Name):
            continue
        if st.target.id == "model_config":
            continue
        names.add(st.target.id)
        if isinstance(st.value, ast.Call):
            for kw in st.value.keywords:
                if kw.arg in ("alias", "validation_alias"):
                    for c in ast.walk(kw.value):
                        if isinstance(c, ast.Constant) and isinstance(c.value, str):
                            names.add(c.value)
    return names


def function_args(fn):
    a = fn.args
    return {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs} - {"self", "cls"}


def mro_fields(all_classes, name, seen=None):
    """Fields of `name` and of every base class found in `all_classes`."""
    seen = seen if seen is not None else set()
    if name in seen or name not in all_classes:
        return set()
    seen.add(name)
    cls = all_classes[name]
    out = model_fields(cls)
    for b in cls.bases:
        if isinstance(b, ast.Name):
            out |= mro_fields(all_classes, b.id, seen)
    return out


# ---------------------------------------------------------------------------------------
# Engines


def deepspeed(repo):
    """ds_config keys: top-level names read by runtime/config.py (constants from
    runtime/constants.py), the pydantic sections (fields and aliases), activation
    checkpointing constants, and DeepSpeedCPUAdam's arguments under optimizer.params."""
    files = ["deepspeed/runtime/constants.py", "deepspeed/runtime/config.py",
             "deepspeed/runtime/precision_config.py", "deepspeed/runtime/zero/config.py",
             "deepspeed/runtime/zero/offload_config.py",
             "deepspeed/runtime/activation_checkpointing/config.py",
             "deepspeed/ops/adam/cpu_adam.py"]
    consts = dict(re.findall(r'^([A-Z][A-Z0-9_]*)\s*=\s*["\']([a-z][a-z0-9_]*)["\']',
                             repo.show(files[0]), re.M))
    config_py = repo.show(files[1])
    keys = {v for k, v in consts.items() if re.search(rf"\b{k}\b", config_py)}
    keys |= {"zero_optimization", "fp16", "bf16", "activation_checkpointing", "optimizer"}
    prec = classes(repo.show(files[2]))
    keys |= {"bf16." + f for f in model_fields(prec["DeepSpeedBF16Config"])}
    keys |= {"fp16." + f for f in model_fields(prec["DeepSpeedFP16Config"])}
    zero = classes(repo.show(files[3]))
    keys |= {"zero_optimization." + f for f in model_fields(zero["DeepSpeedZeroConfig"])}
    off = classes(repo.show(files[4]))
    for section, cls in (("offload_param", "DeepSpeedZeroOffloadParamConfig"),
                         ("offload_optimizer", "DeepSpeedZeroOffloadOptimizerConfig")):
        keys |= {f"zero_optimization.{section}.{f}" for f in model_fields(off[cls])}
    ac = re.findall(r'^ACT_CHKPT_[A-Z_]*\s*=\s*["\']([a-z_]+)["\']', repo.show(files[5]), re.M)
    keys |= {"activation_checkpointing." + k for k in ac if k != "activation_checkpointing"}
    keys |= {"optimizer.type", "optimizer.params"}
    adam = classes(repo.show(files[6]))["DeepSpeedCPUAdam"]
    init = next(f for f in adam.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    keys |= {"optimizer.params." + a for a in function_args(init) if a != "model_params"}
    return files, keys


def accelerate(repo):
    """`accelerate config` YAML keys: ClusterConfig / BaseConfig fields, and under
    fsdp_config / fp8_config the launch options they become (--fsdp_x; fp8_config.x ->
    --fp8_x), as commands/launch.py copies them; the FSDP_SHARDING_STRATEGY names
    (utils/constants.py) as fsdp_config.fsdp_sharding_strategy=<name>."""
    files = ["src/accelerate/commands/config/config_args.py", "src/accelerate/commands/launch.py",
             "src/accelerate/utils/constants.py"]
    cls = classes(repo.show(files[0]))
    keys = mro_fields(cls, "ClusterConfig")
    flags = argparse_flags(repo.show(files[1]))
    for f in flags:
        name = f[2:]
        if name.startswith("fsdp_"):
            keys.add("fsdp_config." + name)
        if name.startswith("fp8_"):
            keys |= {"fp8_config." + name, "fp8_config." + name[len("fp8_"):]}
    for n in ast.walk(ast.parse(repo.show(files[2]))):
        if (isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
                and n.targets[0].id == "FSDP_SHARDING_STRATEGY"):
            keys |= {"fsdp_config.fsdp_sharding_strategy=" + e.value for e in n.value.elts}
    return files, keys


def torchrun(path):
    """torchrun options: get_args_parser() in torch/distributed/run.py."""
    with open(path, encoding="utf-8") as f:
        return ["torch/distributed/run.py"], argparse_flags(f.read())


def dataclass_flags(cls_def, all_classes, exclude):
    """The flags megatron/training/argument_utils.py ArgumentGroupFactory builds from a
    dataclass: --field-name; for bools not defaulting to False, --no-x and --disable-x;
    metadata argparse_meta arg_names replace them."""
    flags = set()
    bases = [b.id for b in cls_def.bases if isinstance(b, ast.Name) and b.id in all_classes]
    for b in bases:
        flags |= dataclass_flags(all_classes[b], all_classes, exclude)
    for st in cls_def.body:
        if not isinstance(st, ast.AnnAssign) or not isinstance(st.target, ast.Name):
            continue
        name, value = st.target.id, st.value
        default, meta_names, init = value, None, True
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "field":
            default = None
            for kw in value.keywords:
                if kw.arg == "default":
                    default = kw.value
                if kw.arg == "init" and isinstance(kw.value, ast.Constant):
                    init = bool(kw.value.value)
                if kw.arg == "metadata":
                    for d in ast.walk(kw.value):
                        if isinstance(d, ast.Dict):
                            for k, v in zip(d.keys, d.values):
                                if isinstance(k, ast.Constant) and k.value == "arg_names":
                                    meta_names = [e.value for e in v.elts]
        if name in exclude or not init:
            continue
        if meta_names:
            flags |= set(meta_names)
            continue
        is_bool = "bool" in ast.unparse(st.annotation)
        false_default = isinstance(default, ast.Constant) and default.value is False
        dashed = name.replace("_", "-")
        flags |= {f"--no-{dashed}", f"--disable-{dashed}"} if is_bool and not false_default \
            else {f"--{dashed}"}
    return flags


def megatron(repo):
    """Megatron-LM pretrain_gpt.py options: every add_argument in megatron/training/arguments.py
    and the flags its ArgumentGroupFactory(ConfigClass, exclude=...) groups generate."""
    files = ["megatron/training/arguments.py", "megatron/core/model_parallel_config.py",
             "megatron/core/transformer/transformer_config.py", "megatron/core/fault_injector.py"]
    files += [n for n in repo.ls("megatron/training/config/") if n.endswith(".py")]
    text = repo.show(files[0])
    flags = argparse_flags(text)
    all_classes = {}
    for name in files[1:]:
        all_classes.update(classes(repo.show(name)))
    tree = ast.parse(text)
    lists = {}  # the last list literal assigned to each name, by line
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.List):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    lists.setdefault(t.id, []).append((n.lineno, n.value))
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "ArgumentGroupFactory":
            exclude = set()
            for kw in n.keywords:
                v = kw.value
                if kw.arg == "exclude" and isinstance(v, ast.Name):
                    v = max((x for x in lists.get(v.id, []) if x[0] < n.lineno),
                            key=lambda x: x[0])[1]
                if kw.arg == "exclude":
                    exclude = {e.value for e in v.elts if isinstance(e, ast.Constant)}
            flags |= dataclass_flags(all_classes[n.args[0].id], all_classes, exclude)
    return files, flags


def config_components(text):
    """(component, key) pairs of a torchtune config YAML: keys beside each `_component_`
    (block mappings only, which is how the shipped configs are written)."""
    pairs, stack = [], []  # stack: [indent, component or None, keys]
    for line in text.splitlines():
        m = re.match(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):", line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent, key = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack or stack[-1][0] < indent:
            stack.append([indent, None, []])
        frame = stack[-1]
        if key == "_component_":
            frame[1] = line.split(":", 1)[1].split("#")[0].strip()
        else:
            frame[2].append(key)
        if frame[1]:
            pairs += [(frame[1], k) for k in frame[2]]
            frame[2] = []
    return pairs


def torchtune(repo):
    """R <recipe> <key>: config keys each recipe reads (cfg.x, cfg.get("x"), cfg["x"]).
    C <component> <arg>: arguments of each component torchtune exports (__all__ of
    torchtune/models/*, datasets, training, modules/loss) and the keys the shipped
    recipes/configs give each _component_ (torch.optim.AdamW, bitsandbytes, ...)."""
    recipes = ["lora_finetune_single_device", "lora_finetune_distributed",
               "full_finetune_single_device", "full_finetune_distributed"]
    files, lines = [], set()
    for r in recipes:
        name = f"recipes/{r}.py"
        files.append(name)
        text = repo.show(name)
        reads = set(re.findall(r'\bcfg(?:\.get\(\s*|\[\s*|\.)["\']?([a-z_][a-z_0-9]*)', text))
        lines |= {f"R {r} {k}" for k in reads - {"get", "pop", "items", "keys"}}
    packages = sorted({n.rsplit("/", 1)[0] for n in repo.ls("torchtune/models")
                       if n.endswith("__init__.py")})
    packages += ["torchtune/datasets", "torchtune/training", "torchtune/modules/loss"]
    for pkg in packages:
        defs, partials = {}, []
        for name in repo.ls(pkg + "/"):
            if name.endswith(".py") and name.count("/") <= pkg.count("/") + 2:
                for n in ast.walk(ast.parse(repo.show(name))):
                    # qlora_x = partial(lora_x, quantize_base=True): lora_x's arguments
                    if (isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                            and getattr(n.value.func, "id", "") == "partial"
                            and isinstance(n.value.args[0], ast.Name)):
                        bound = {kw.arg for kw in n.value.keywords}
                        partials += [(t.id, n.value.args[0].id, bound) for t in n.targets
                                     if isinstance(t, ast.Name)]
                    if isinstance(n, ast.FunctionDef):
                        defs.setdefault(n.name, function_args(n))
                    elif isinstance(n, ast.ClassDef):
                        init = [f for f in n.body
                                if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
                        defs.setdefault(n.name, function_args(init[0]) if init else set())
        for alias, fn, bound in partials:
            if fn in defs:
                defs.setdefault(alias, defs[fn] - bound)
        exported = re.findall(r'["\']([A-Za-z_][A-Za-z0-9_]*)["\']',
                              repo.show(pkg + "/__init__.py").split("__all__", 1)[-1])
        dotted = pkg.replace("/", ".")
        for e in exported:
            if e in defs:
                lines.add(f"C {dotted}.{e}")
                lines |= {f"C {dotted}.{e} {a}" for a in defs[e]}
    files.append("torchtune/{models/*,datasets,training,modules/loss}/")
    for name in repo.ls("recipes/configs"):
        if name.endswith(".yaml"):
            for comp, key in config_components(repo.show(name)):
                lines |= {f"C {comp}", f"C {comp} {key}"}
    files.append("recipes/configs/**.yaml")
    return files, lines


def axolotl(repo):
    """Config keys: AxolotlInputConfig and its bases (utils/schemas/*.py, fields and
    aliases), fsdp_config.<FSDPConfig>, datasets[].<SFTDataset>."""
    base = "src/axolotl/utils/schemas/"
    files = [n for n in repo.ls(base) if n.endswith(".py")]
    all_classes = {}
    for name in files:
        all_classes.update(classes(repo.show(name)))
    keys = mro_fields(all_classes, "AxolotlInputConfig")
    keys |= {"fsdp_config." + f for f in mro_fields(all_classes, "FSDPConfig")}
    keys |= {"datasets[]." + f for f in mro_fields(all_classes, "SFTDataset")}
    keys |= {"special_tokens." + f for f in mro_fields(all_classes, "SpecialTokensConfig")}
    return [base + "*.py"], keys


def enum_values(cls):
    """String values of an Enum class body (NAME = "value")."""
    return {st.value.value for st in cls.body
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant)
            and isinstance(st.value.value, str)}


def transformers(repo):
    """TrainingArguments fields (src/transformers/training_args.py) and `optim=<name>` for
    each OptimizerNames value."""
    files = ["src/transformers/training_args.py"]
    cls = classes(repo.show(files[0]))
    keys = model_fields(cls["TrainingArguments"])
    keys |= {"optim=" + v for v in enum_values(cls["OptimizerNames"])}
    return files, keys


def bitsandbytes(repo):
    """BitsAndBytesConfig arguments (src/transformers/utils/quantization_config.py) and the
    string values its __init__ accepts for bnb_4bit_quant_storage (the list it checks) and,
    read as getattr(torch, name), for bnb_4bit_compute_dtype (the same dtype names);
    bnb_4bit_quant_type takes fp4 or nf4 (its docstring)."""
    files = ["src/transformers/utils/quantization_config.py"]
    cls = classes(repo.show(files[0]))["BitsAndBytesConfig"]
    init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    keys = function_args(init) - {"kwargs"}
    for n in ast.walk(init):
        if (isinstance(n, ast.Compare) and isinstance(n.left, ast.Name)
                and n.left.id == "bnb_4bit_quant_storage" and isinstance(n.ops[0], ast.NotIn)):
            keys |= {"bnb_4bit_quant_storage=" + e.value for e in n.comparators[0].elts}
            # compute dtype: getattr(torch, name); the dtype names the storage check lists
            keys |= {"bnb_4bit_compute_dtype=" + e.value for e in n.comparators[0].elts}
    keys |= {"bnb_4bit_quant_type=fp4", "bnb_4bit_quant_type=nf4"}
    return files, keys


def trl(repo):
    """SFTConfig's own fields and those of _BaseConfig (trl/trainer/sft_config.py,
    base_config.py); the TrainingArguments fields they extend are transformers' list."""
    files = ["trl/trainer/sft_config.py", "trl/trainer/base_config.py"]
    all_classes = {}
    for name in files:
        all_classes.update(classes(repo.show(name)))
    return files, mro_fields(all_classes, "SFTConfig")


def literal_values(cls):
    """`field=value` for each string of a Literal[...] field annotation of a class body."""
    out = set()
    for st in cls.body:
        if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
            for n in ast.walk(st.annotation):
                if isinstance(n, ast.Subscript) and getattr(n.value, "id", "") == "Literal":
                    out |= {f"{st.target.id}={c.value}" for c in ast.walk(n.slice)
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return out


def peft(repo):
    """LoraConfig fields with those of PeftConfig / PeftConfigMixin
    (src/peft/tuners/lora/config.py, src/peft/config.py), `field=value` for LoraConfig's
    Literal-typed fields (bias) and `task_type=<TaskType>` (src/peft/utils/peft_types.py)."""
    files = ["src/peft/tuners/lora/config.py", "src/peft/config.py",
             "src/peft/utils/peft_types.py", "src/peft/utils/constants.py"]
    all_classes = {}
    for name in files[:3]:
        all_classes.update(classes(repo.show(name)))
    keys = mro_fields(all_classes, "LoraConfig") | literal_values(all_classes["LoraConfig"])
    keys |= {"task_type=" + v for v in enum_values(all_classes["TaskType"])}
    # target_modules as one string: the all-linear shorthand.
    keys |= {"target_modules=" + v for v in re.findall(
        r'^INCLUDE_LINEAR_LAYERS_SHORTHAND\s*=\s*["\']([^"\']+)', repo.show(files[3]), re.M)}
    return files, keys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("engine", choices=sorted(REPOS))
    ap.add_argument("source")
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("--source-note", default=None)
    a = ap.parse_args()
    if a.engine == "torchrun":
        commit = a.commit
        files, keys = torchrun(a.source)
    elif not os.path.exists(os.path.join(a.source, ".git")) and not os.path.exists(
            os.path.join(a.source, "HEAD")):
        commit = a.commit  # a plain checkout: the commit it holds, as given
        files, keys = globals()[a.engine](Checkout(a.source))
    else:
        commit = subprocess.run(["git", "-C", a.source, "rev-parse", a.commit], check=True,
                                capture_output=True, text=True).stdout.strip()
        files, keys = globals()[a.engine](Repo(a.source, commit))
    print(f"# {a.engine}: {REPOS[a.engine]} commit {commit}")
    print(f"# read: {', '.join(files)}")
    print(f"# regenerate: tools/engine_keys/extract_keys.py {a.engine} <snapshot> "
          f"--commit {commit}")
    if a.source_note:
        print(f"# {a.source_note}")
    for k in sorted(keys):
        print(k)


if __name__ == "__main__":
    sys.exit(main())
