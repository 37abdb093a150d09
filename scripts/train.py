"""``reportminer train`` and ``reportminer classify``: build the activity classifier, and use it on a file.

``train`` rebuilds the shipped model from ``corpora/training/activities.tsv`` deterministically (same input,
folds and seed → byte-identical ``model.json`` and ``coef.npy.gz``; the build date comes from
``SOURCE_DATE_EPOCH`` when set, else today, UTC, day granularity). It prints stratified k-fold figures
(macro-F1, accuracy, per-class F1), the top confusions and the sweep behind the `general` threshold,
checks that the exported numpy predictor answers like the scikit-learn pipeline, and writes the files.
``--compare`` prints the model-selection table first.
"""
from __future__ import annotations

import collections
import datetime as dt
import hashlib
import os
import sys
from importlib import resources
from pathlib import Path

import click
import numpy as np

from ..nlp import classify as C

# Model selection (``--compare``): (label, ActivityClassifier parameters); the first row is what ships. Chosen
# as the best mean macro-F1 of stratified 5-fold CV repeated with three seeds (table: nlp/data/model/README.md).
CHOSEN = dict(features="chars+words+keywords", model="svc", C=0.5, keyword_weight=0.25, min_df=2)
_SVC = dict(model="svc", C=0.5, min_df=2)
CANDIDATES: list[tuple[str, dict]] = [
    ("chars+words+keywords  LinearSVC C=0.5 kw=0.25 (chosen)", CHOSEN),
    ("chars                 LinearSVC C=0.5", dict(_SVC, features="chars")),
    ("chars+keywords        LinearSVC C=0.5 kw=0.25", dict(_SVC, features="chars+keywords", keyword_weight=0.25)),
    ("chars+words           LinearSVC C=0.5", dict(_SVC, features="chars+words")),
    ("chars+words+keywords  LinearSVC C=0.2 kw=0.25", dict(CHOSEN, C=0.2)),
    ("chars+words+keywords  LinearSVC C=1 kw=0.25", dict(CHOSEN, C=1.0)),
    ("chars+words+keywords  LinearSVC C=0.5 kw=0.5", dict(CHOSEN, keyword_weight=0.5)),
    ("chars+words+keywords  LinearSVC C=0.5 kw=1", dict(CHOSEN, keyword_weight=1.0)),
    ("words                 ComplementNB a=0.3", dict(features="words", model="nb", alpha=0.3, min_df=1)),
    ("words+keywords        ComplementNB a=0.3 kw=0.5", dict(features="words+keywords", model="nb", alpha=0.3,
                                                          keyword_weight=0.5, min_df=1)),
    ("words+keywords        ComplementNB a=1 kw=0.5", dict(features="words+keywords", model="nb", alpha=1.0,
                                                        keyword_weight=0.5, min_df=1)),
    ("chars+words           LogReg balanced C=1", dict(features="chars+words", model="lr", C=1.0, min_df=2)),
    ("chars+words           LogReg balanced C=10", dict(features="chars+words", model="lr", C=10.0, min_df=2)),
    ("chars+words           LogReg balanced C=100", dict(features="chars+words", model="lr", C=100.0, min_df=2)),
    ("chars+words+keywords  LogReg balanced C=10 kw=0.25", dict(CHOSEN, model="lr", C=10.0)),
    ("chars+words+keywords  LogReg balanced C=100 kw=0.25", dict(CHOSEN, model="lr", C=100.0)),
]
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(0, 16))


def default_training_path() -> Path:
    return Path(str(resources.files("reportminer.corpora").joinpath("training", "activities.tsv")))


def default_model_dir() -> Path:
    return Path(str(resources.files("reportminer.nlp").joinpath("data", C.MODEL_DIR)))


def build_date() -> str:
    """The build date (YYYY-MM-DD, UTC): from SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.date().isoformat()


def _folds(folds: int, seed: int):
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(folds, shuffle=True, random_state=seed)


def cross_validate(texts, labels, folds: int, seed: int, params: dict, proba: bool = True):
    """Out-of-fold probabilities (or labels when ``proba`` is False) of an ActivityClassifier."""
    from sklearn.model_selection import cross_val_predict

    estimator = C.ActivityClassifier(**params, random_state=seed, calibrate=proba, threshold=0.0)
    return cross_val_predict(estimator, texts, np.asarray(labels), cv=_folds(folds, seed),
                             method="predict_proba" if proba else "predict")


def figures(labels, predicted, classes) -> dict:
    """macro-F1, accuracy and per-class F1 (rounded to 4 places)."""
    from sklearn.metrics import accuracy_score, f1_score

    per_class = f1_score(labels, predicted, labels=list(classes), average=None, zero_division=0)
    return {"macro_f1": round(float(np.mean(per_class)), 4),
            "accuracy": round(float(accuracy_score(labels, predicted)), 4),
            "per_class_f1": {c: round(float(f), 4) for c, f in zip(classes, per_class)}}


def threshold_sweep(labels, proba, classes) -> list[dict]:
    """For each candidate threshold: macro-F1 and accuracy with the fallback, the share of sentences below
    it, and how often the top-class guess is right for those below it (``accuracy_below``)."""
    labels = np.asarray(labels)
    top = np.asarray(classes)[proba.argmax(axis=1)]
    below_all = proba.max(axis=1)
    rows = []
    for threshold in THRESHOLDS:
        predicted = C.apply_threshold(classes, proba, threshold)
        below = below_all < threshold
        result = figures(labels, predicted, classes)
        rows.append({"threshold": threshold, "macro_f1": result["macro_f1"], "accuracy": result["accuracy"],
                     "below": round(float(below.mean()), 4),
                     "accuracy_below": round(float((top[below] == labels[below]).mean()), 4)
                     if below.any() else None})
    return rows


def top_confusions(labels, predicted, n: int = 12) -> list[tuple[str, str, int]]:
    counts = collections.Counter((g, p) for g, p in zip(labels, predicted) if g != p)
    return [(g, p, k) for (g, p), k in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]]


def train(data: Path, out: Path, folds: int = 5, seed: int = 0, threshold: float = C.THRESHOLD, echo=print) -> dict:
    """Cross-validate, fit on everything, export, check that the export agrees, write. Returns the metadata."""
    import sklearn

    raw = data.read_bytes()
    texts, labels = C.read_training(data)
    classes = sorted(set(labels))
    digest = hashlib.sha256(raw).hexdigest()
    echo(f"training set: {data} ({len(texts)} sentences, {len(classes)} classes, sha256 {digest[:12]})")

    proba = cross_validate(texts, labels, folds, seed, CHOSEN)
    top = np.asarray(classes)[proba.argmax(axis=1)]
    cv = figures(labels, top, classes)
    echo(f"\n{folds}-fold CV (seed {seed}), {C.__name__}.ActivityClassifier({CHOSEN}):")
    echo(f"  macro-F1 {cv['macro_f1']:.4f}   accuracy {cv['accuracy']:.4f}")
    echo("  per-class F1:")
    for cid in classes:
        echo(f"    {cid:20} {cv['per_class_f1'][cid]:.4f}")
    echo("  top confusions (gold -> predicted: count):")
    for gold, predicted, count in top_confusions(labels, top):
        echo(f"    {gold} -> {predicted}: {count}")

    sweep = threshold_sweep(labels, proba, classes)
    echo("\n  threshold sweep (below it -> general): threshold  macro-F1  accuracy  below  accuracy_below")
    for row in sweep:
        mark = "  <- chosen" if row["threshold"] == threshold else ""
        accuracy_below = f"{row['accuracy_below']:.4f}" if row["accuracy_below"] is not None else "-"
        echo(f"    {row['threshold']:.2f}  {row['macro_f1']:.4f}  {row['accuracy']:.4f}  {row['below']:.4f}  "
             f"{accuracy_below}{mark}")
    with_threshold = figures(labels, C.apply_threshold(classes, proba, threshold), classes)

    classifier = C.ActivityClassifier(**CHOSEN, random_state=seed, cv=folds, threshold=threshold)
    classifier.fit(texts, labels)
    linear = classifier.to_linear()
    sk_proba = classifier.predict_proba(texts)
    np_proba = linear.predict_proba(texts)
    if not (np.array_equal(sk_proba.argmax(axis=1), np_proba.argmax(axis=1))
            and np.allclose(sk_proba, np_proba, rtol=0, atol=1e-9)):
        raise click.ClickException("the exported predictor disagrees with the scikit-learn pipeline")
    metadata = {
        "built": build_date(),
        "scikit_learn": sklearn.__version__,
        "numpy": np.__version__,
        "training_set": {"file": data.name, "sha256": digest, "sentences": len(texts)},
        "params": {**{k: v for k, v in classifier.get_params().items() if k != "threshold"},
                   "calibration": "temperature (CalibratedClassifierCV, ensemble=False)",
                   "number_mask": C.NUMBER_MASK},
        "cv": {"folds": folds, "seed": seed, **cv,
               "top_confusions": [f"{g} -> {p}: {k}" for g, p, k in top_confusions(labels, top)],
               "with_threshold": {k: v for k, v in with_threshold.items() if k != "per_class_f1"}},
        "threshold": threshold,
        "features": int(linear.coef.shape[1]),
    }
    paths = linear.save(out, metadata)
    echo(f"\nthreshold {threshold}: macro-F1 {with_threshold['macro_f1']:.4f}, "
         f"accuracy {with_threshold['accuracy']:.4f}")
    echo(f"wrote {', '.join(f'{p} ({p.stat().st_size:,} bytes)' for p in paths)}")
    return metadata


def compare(data: Path, folds: int, seed: int, repeats: int = 3, echo=print) -> list[tuple[str, dict]]:
    """Cross-validate every candidate, ``repeats`` times with seeds seed, seed+1, …; mean and spread.

    Uncalibrated: temperature scaling does not move the top class, so it does not change these figures.
    """
    import time

    texts, labels = C.read_training(data)
    classes = sorted(set(labels))
    rows = []
    echo(f"{folds}-fold CV x {repeats} seeds on {len(texts)} sentences")
    echo(f"{'candidate':56} {'macro-F1':>15} {'accuracy':>9} {'seconds':>8}")
    for label, params in CANDIDATES:
        start = time.perf_counter()
        runs = [figures(labels, cross_validate(texts, labels, folds, seed + r, params, proba=False), classes)
                for r in range(repeats)]
        f1 = np.array([run["macro_f1"] for run in runs])
        accuracy = np.array([run["accuracy"] for run in runs])
        result = {"macro_f1": round(float(f1.mean()), 4), "macro_f1_sd": round(float(f1.std()), 4),
                  "accuracy": round(float(accuracy.mean()), 4)}
        rows.append((label, result))
        echo(f"{label:56} {result['macro_f1']:.4f} ±{result['macro_f1_sd']:.4f} {result['accuracy']:9.4f} "
             f"{time.perf_counter() - start:8.1f}")
    return rows


@click.command("train")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Training file (label<TAB>text); default corpora/training/activities.tsv.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for model.json and coef.npy.gz; default the shipped nlp/data/model.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for folds and the solver.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=C.THRESHOLD, show_default=True,
              help="Top probability below which a sentence is `general`.")
@click.option("--compare", "do_compare", is_flag=True,
              help="First print the model-selection table (repeated CV of every candidate; a few minutes).")
def train_command(data: Path | None, out: Path | None, folds: int, seed: int, threshold: float,
                  do_compare: bool) -> None:
    """Rebuild the activity classifier from the training sentences, print CV figures, write the model.

    \b
    Examples:
      reportminer train                       # rebuild the shipped model
      reportminer train --out /tmp/model --compare
    """
    data = data or default_training_path()
    if do_compare:
        compare(data, folds, seed, echo=click.echo)
        click.echo("")
    train(data, out or default_model_dir(), folds, seed, threshold, echo=click.echo)


@click.command("classify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--explain", is_flag=True, help="Show the features that decided each category.")
@click.option("--top", type=int, default=6, show_default=True, help="Features shown per activity with --explain.")
def classify_command(file: str, explain: bool, top: int) -> None:
    """Print each activity of FILE with its category and confidence.

    \b
    Example:
      reportminer classify corpora/samples/001_guixiang_chc_summary_2023.txt --explain
    """
    from ..extractors.activities import find_activities, text_of
    from ..extractors.documents import split_documents
    from ..extractors.sections import outline
    from ..nlp.errors import ReportminerError
    from ..nlp.reading import read_path

    try:
        raw = read_path(file)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    model = C.shipped_model()
    if model is None:
        click.echo("note: no model ships; categories come from the keyword rules", err=True)
    for document in split_documents(raw):
        _, paths = outline(document.id, document.file, document.lines)
        lines = {line.number: line for line in document.lines}
        for activity in find_activities(document, paths):
            click.echo(f"{activity.line:>5}  {activity.category:18} {activity.confidence:5.3f}  {activity.text}")
            if not explain:
                continue
            text = text_of(lines[activity.line], activity.start, activity.end)  # what the classifier saw
            if model is None:
                click.echo(f"{'':7}keywords: {C.keyword_scores(text) or '-'}")
                continue
            own, _ = model.classify([text])[0]
            if own != activity.category:
                click.echo(f"{'':7}(from the heading above; the sentence alone: {own})")
            if activity.category in model.classes:
                for name, weight in model.explain(text, activity.category, top):
                    click.echo(f"{'':7}{weight:+.3f}  {name}")


if __name__ == "__main__":  # pragma: no cover
    train_command(sys.argv[1:])
