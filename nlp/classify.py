"""Activity categories (ANNOTATION §4): the taxonomy as data, the keyword scorer, and the learned classifier.

The keyword scorer is the fallback and a feature source for the learned model: each category scores the
number of its taxonomy keywords found in a text, longer keywords counting more.

The learned model (``ActivityClassifier``) is one scikit-learn ``Pipeline``: text normalised, outline
marker dropped and numbers masked (``prepare``), then character 1–3-grams and jieba words (tf-idf) plus
the taxonomy keyword scores, then LinearSVC (class_weight balanced) with temperature-scaled probabilities
(CalibratedClassifierCV); below ``THRESHOLD`` the answer is `general`. It ships as plain arrays
(``nlp/data/model/``: JSON + a gzipped ``.npy``, no pickle) that ``LinearActivityModel`` turns back into
a small numpy predictor giving the same answers; extraction never imports scikit-learn.

Model selection, stratified 5-fold CV repeated with 3 seeds on ``corpora/training/activities.tsv``
(2,791 sentences, 20 classes), mean macro-F1 ± sd over the repeats (``reportminer train --compare``):

====================  ================================  ===============  ========
features              classifier                        macro-F1         accuracy
====================  ================================  ===============  ========
chars+words+keywords  LinearSVC C=0.5 kw=0.25 (chosen)  0.8994 ±0.0026    0.8875
chars                 LinearSVC C=0.5                   0.8921 ±0.0008    0.8831
chars+keywords        LinearSVC C=0.5 kw=0.25           0.8984 ±0.0024    0.8851
chars+words           LinearSVC C=0.5                   0.8817 ±0.0011    0.8729
chars+words+keywords  LinearSVC C=0.2 kw=0.25           0.8979 ±0.0014    0.8854
chars+words+keywords  LinearSVC C=1 kw=0.25             0.8985 ±0.0019    0.8869
chars+words+keywords  LinearSVC C=0.5 kw=0.5            0.8962 ±0.0030    0.8837
chars+words+keywords  LinearSVC C=0.5 kw=1              0.8937 ±0.0028    0.8796
words                 ComplementNB a=0.3                0.8173 ±0.0030    0.8127
words+keywords        ComplementNB a=0.3 kw=0.5         0.8671 ±0.0038    0.8563
words+keywords        ComplementNB a=1 kw=0.5           0.8684 ±0.0028    0.8546
chars+words           LogReg balanced C=1               0.8626 ±0.0013    0.8517
chars+words           LogReg balanced C=10              0.8685 ±0.0019    0.8605
chars+words           LogReg balanced C=100             0.8706 ±0.0007    0.8624
chars+words+keywords  LogReg balanced C=10 kw=0.25      0.8916 ±0.0035    0.8797
chars+words+keywords  LogReg balanced C=100 kw=0.25     0.8886 ±0.0018    0.8769
====================  ================================  ===============  ========

Chosen: the first row (best mean macro-F1; the LinearSVC rows are within noise of each other, the
keyword scores add 0.018 over chars+words without them). Calibration and threshold, scores on
the seeds and samples, throughput: ``nlp/data/model/README.md``.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import regex

from .normalise import normalise_line
from .patterns import word_alternation
from .resources import data_table, data_words

FALLBACK = "general"


@dataclass(frozen=True, slots=True)
class Category:
    """One taxonomy entry."""

    id: str
    zh: str
    scope: str
    keywords: tuple[str, ...]


@functools.cache
def taxonomy() -> tuple[Category, ...]:
    """The 20 categories, in the order of the taxonomy file (data: taxonomy.tsv)."""
    return tuple(Category(row["id"], row["zh"], row["scope"], tuple(k for k in row["keywords"].split(",") if k))
                 for row in data_table("taxonomy.tsv"))


def category_ids() -> tuple[str, ...]:
    """The category ids, in taxonomy order."""
    return tuple(category.id for category in taxonomy())


@functools.cache
def _keyword_index() -> tuple[re.Pattern, dict[str, tuple[int, ...]], dict[str, tuple[str, ...]]]:
    """A lookahead that captures the longest keyword starting at each position, the categories of each
    keyword, and for each keyword the keywords that are its prefixes (itself included).

    The standard library's engine runs this zero-width scan about twice as fast as ``regex``'s overlapped
    search, and the trie-shaped alternation is valid in both."""
    owners: dict[str, list[int]] = {}
    for position, category in enumerate(taxonomy()):
        for word in category.keywords:
            owners.setdefault(word, []).append(position)
    pattern = re.compile(f"(?=({word_alternation(owners)}))")
    prefixes = {word: tuple(other for other in owners if word.startswith(other)) for word in owners}
    return pattern, {word: tuple(found) for word, found in owners.items()}, prefixes


def keyword_row(text: str) -> list[float]:
    """Keyword score of every category, in taxonomy order (a keyword of n characters found scores n - 1).

    One scan finds the longest keyword at every position; every keyword found at a position is a prefix
    of that one, so the prefix table completes the set exactly.
    """
    pattern, owners, prefixes = _keyword_index()
    found: set[str] = set()
    for match in pattern.finditer(text):
        found.update(prefixes[match.group(1)])
    row = [0.0] * len(taxonomy())
    for word in found:
        for position in owners[word]:
            row[position] += len(word) - 1
    return row


def keyword_scores(text: str) -> dict[str, float]:
    """Score every category by its keywords found in ``text`` (a keyword of n characters scores n - 1)."""
    return {cid: score for cid, score in zip(category_ids(), keyword_row(text)) if score}


def classify_by_keywords(text: str) -> tuple[str, float]:
    """The best keyword category and a confidence (its share of all keyword score); general if none."""
    scores = keyword_scores(text)
    scores.pop(FALLBACK, None) if len(scores) > 1 else None
    if not scores:
        return FALLBACK, 0.0
    best = max(scores, key=scores.get)
    return best, round(scores[best] / sum(scores.values()), 3)


# ---------------------------------------------------------------------------------------------------------
# Text preparation: normalisation and number masking
# ---------------------------------------------------------------------------------------------------------

NUMBER_MASK = "0"  # every digit run becomes this one character, so "0人次" and "0%" are the features
_CN_NUMERAL = "零〇○一二两三四五六七八九十百千万亿"


def normalise_text(text: str) -> str:
    """The extractor's line normalisation (full-width → ASCII, white space runs) for a free-standing text."""
    return normalise_line(text, 0).text


@functools.cache
def _mask_pattern() -> regex.Pattern:
    """One pass: protected names (idioms.txt) are kept, digit runs and counted Chinese numerals masked.

    A Chinese numeral is masked only before a measure word of units.tsv (with an optional 余/多/来),
    so ``三次`` and ``两个`` become ``0次`` and ``0个`` while ``一是``, ``统一`` and ``门前三包`` stay.
    """
    idioms = sorted(set(data_words("idioms.txt")), key=lambda word: (-len(word), word))
    units = sorted({row["word"] for row in data_table("units.tsv") if regex.fullmatch(r"\p{Han}+", row["word"])},
                   key=lambda word: (-len(word), word))
    return regex.compile(
        "(?P<keep>" + word_alternation(idioms) + ")"
        r"|(?P<digits>\d+(?:[.,]\d+)*[万亿]?)"
        f"|(?P<numeral>[{_CN_NUMERAL}]+(?=[余多来]?(?:" + word_alternation(units) + ")))"
    )


def mask_numbers(text: str) -> str:
    """Replace digit runs (``2.56万``, ``1,100``) and counted Chinese numerals (``三次``) with ``0``."""
    return _mask_pattern().sub(lambda m: m.group() if m.group("keep") else NUMBER_MASK, text)


# An outline marker or enumerator at the start (``一、`` ``(三)`` ``1.`` ``①`` ``第二部分`` ``二是`` ``首先``):
# it says where a line stands in the outline, not what it is about, so the features never see it.
_MARKER = regex.compile(
    r"^\s*(?:第[一二三四五六七八九十]{1,3}部分|[一二三四五六七八九十]{1,3}(?:、|:|\.(?!\d))"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:、|\.(?!\d)|,(?!\d))|[①-⑳]"
    r"|[一二三四五六七八九十]{1,2}是(?![一二三四五六七八九十])|首先|其次|再次|再者|最后)[\s,，、.．:：]*"
)


def strip_marker(text: str) -> str:
    """The text without a leading outline marker or enumerator (the whole text if nothing else is left)."""
    stripped = _MARKER.sub("", text, count=1)
    return stripped if stripped.strip() else text


def prepare(text: str) -> str:
    """What the n-gram and word features see: normalised text, outline marker dropped, numbers masked."""
    return mask_numbers(strip_marker(normalise_text(text)))


# ---------------------------------------------------------------------------------------------------------
# Analyzers (plain functions: the numpy predictor calls the very same ones)
# ---------------------------------------------------------------------------------------------------------

_SPACES = regex.compile(r"\s+")
_SKIP_TOKEN = regex.compile(r"^[\s\p{P}\p{S}]*$")


def char_ngrams(text: str, min_n: int = 1, max_n: int = 3) -> list[str]:
    """Character n-grams of prepared text (white space dropped, punctuation kept as context)."""
    text = _SPACES.sub("", text)
    return [text[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(text) - n + 1)]


def words(text: str) -> list[str]:
    """jieba words of prepared text (domain dictionary; punctuation and spaces dropped)."""
    from .segment import default_segmenter

    return [word for word in default_segmenter().cut(text) if not _SKIP_TOKEN.match(word)]


def word_ngrams(text: str, max_n: int = 1) -> list[str]:
    """jieba words, and with ``max_n`` 2 adjacent word pairs joined by a space."""
    tokens = words(text)
    grams = list(tokens)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


def analyze(kind: str, text: str, max_n: int) -> list[str]:
    """The terms of a prepared text for one feature branch (``chars`` or ``words``)."""
    return char_ngrams(text, 1, max_n) if kind == "chars" else word_ngrams(text, max_n)


def keyword_vector(text: str) -> np.ndarray:
    """The keyword scores of a (normalised) text as a vector in taxonomy order, damped by log1p."""
    return np.log1p(np.array(keyword_row(text), dtype=np.float64))


# ---------------------------------------------------------------------------------------------------------
# scikit-learn pieces (built on first use: importing scikit-learn takes about a second, and extraction,
# which only needs the shipped predictor below, must not pay for it)
# ---------------------------------------------------------------------------------------------------------

# Below this calibrated top probability a sentence is not confidently any activity and becomes `general`
# (in a document: its heading's class when the heading is confident). Why 0.5: below it the model rates
# its top class as less likely than all the others together. In-domain the fallback costs little: out of
# fold on the training set 6 % of sentences fall below 0.5, their top-class guesses are right only about
# half the time (54 %), and macro-F1 drops by 0.014 (``reportminer train`` prints the sweep). On report
# text unlike the training sentences (openings, closings, problems, headings of any kind) `general` or
# the heading's class is the safer answer. The value used ships in model.json.
THRESHOLD = 0.5

MODELS = ("svc", "lr", "nb")
_SKLEARN_CLASSES = ("TextPreparer", "KeywordFeatures", "ActivityClassifier")


def __getattr__(name: str):
    """``ActivityClassifier``, ``TextPreparer`` and ``KeywordFeatures`` are defined when first asked for."""
    if name in _SKLEARN_CLASSES:
        return _sklearn_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Analyzer:
    """A picklable analyzer callable for TfidfVectorizer (``kind`` chars or words)."""

    def __init__(self, kind: str, max_n: int) -> None:
        self.kind, self.max_n = kind, max_n

    def __call__(self, text: str) -> list[str]:
        return analyze(self.kind, text, self.max_n)

    def __repr__(self) -> str:
        return f"Analyzer({self.kind!r}, {self.max_n})"


def build_pipeline(features: str = "chars+words+keywords", model: str = "svc", C: float = 0.5,
                   alpha: float = 0.3, keyword_weight: float = 0.25, char_max_n: int = 3,
                   word_max_n: int = 1, min_df: int = 2, calibrate: bool = True, cv: int = 5,
                   random_state: int = 0):
    """The whole classifier as one scikit-learn Pipeline: features (FeatureUnion), then the classifier.

    ``features``: ``+``-joined branches among ``chars`` (character 1..char_max_n-grams), ``words`` (jieba
    1..word_max_n-grams), both tf-idf over ``prepare``d text, and ``keywords`` (taxonomy keyword scores).
    ``model``: ``svc`` (LinearSVC), ``lr`` (LogisticRegression) — both with class_weight balanced — or
    ``nb`` (ComplementNB). ``calibrate`` wraps the classifier in CalibratedClassifierCV with temperature
    scaling and ``ensemble=False`` (one model refit on all data, one inverse temperature fitted on
    ``cv``-fold out-of-fold scores), which keeps the top class and exports as two numbers.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    classes = _sklearn_classes()
    branches = []
    for name in features.split("+"):
        if name in ("chars", "words"):
            max_n = char_max_n if name == "chars" else word_max_n
            vectorizer = TfidfVectorizer(analyzer=Analyzer(name, max_n), sublinear_tf=True, min_df=min_df,
                                         dtype=np.float64)
            branches.append((name, Pipeline([("prepare", classes["TextPreparer"]()), ("tfidf", vectorizer)])))
        elif name == "keywords":
            branches.append((name, classes["KeywordFeatures"](keyword_weight)))
        else:
            raise ValueError(f"unknown feature branch {name!r}")
    if model == "svc":
        classifier = LinearSVC(C=C, class_weight="balanced", random_state=random_state, max_iter=10_000)
    elif model == "lr":
        classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=5_000)
    elif model == "nb":
        classifier = ComplementNB(alpha=alpha)
    else:
        raise ValueError(f"unknown model {model!r}; choose from {MODELS}")
    if calibrate:
        folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
        classifier = CalibratedClassifierCV(classifier, method="temperature", cv=folds, ensemble=False)
    return Pipeline([("features", FeatureUnion(branches)), ("classifier", classifier)])


@functools.cache
def _sklearn_classes() -> dict[str, type]:
    """Define the scikit-learn estimator classes (once, on first use)."""
    from scipy import sparse
    from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

    class TextPreparer(TransformerMixin, BaseEstimator):
        """Stateless: normalise every text, drop its outline marker, mask its numbers (``prepare``)."""

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return [prepare(text) for text in X]

    class KeywordFeatures(TransformerMixin, BaseEstimator):
        """Stateless: the 20 taxonomy keyword scores (log1p, times ``weight``) of the normalised texts."""

        def __init__(self, weight: float = 0.25) -> None:
            self.weight = weight

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            rows = [keyword_vector(normalise_text(text)) for text in X]
            matrix = np.vstack(rows) if rows else np.zeros((0, len(category_ids())))
            return sparse.csr_matrix(matrix * self.weight)

        def get_feature_names_out(self, input_features=None):
            return np.array([f"kw={cid}" for cid in category_ids()], dtype=object)

    class ActivityClassifier(ClassifierMixin, BaseEstimator):
        """Sentence → activity category (ANNOTATION §4), scikit-learn style.

        ``fit`` builds ``pipeline_`` (``build_pipeline`` with these parameters) and returns self;
        ``predict_proba`` gives calibrated probabilities over ``classes_``; ``predict`` answers `general`
        where the top probability is below ``threshold``. ``to_linear()`` exports the fitted pipeline as
        a ``LinearActivityModel`` (plain arrays, no scikit-learn).
        """

        def __init__(self, features: str = "chars+words+keywords", model: str = "svc", C: float = 0.5,
                     alpha: float = 0.3, keyword_weight: float = 0.25, char_max_n: int = 3,
                     word_max_n: int = 1, min_df: int = 2, calibrate: bool = True, cv: int = 5,
                     threshold: float = THRESHOLD, random_state: int = 0) -> None:
            self.features = features
            self.model = model
            self.C = C
            self.alpha = alpha
            self.keyword_weight = keyword_weight
            self.char_max_n = char_max_n
            self.word_max_n = word_max_n
            self.min_df = min_df
            self.calibrate = calibrate
            self.cv = cv
            self.threshold = threshold
            self.random_state = random_state

        def fit(self, X, y):
            params = {k: v for k, v in self.get_params().items() if k != "threshold"}
            self.pipeline_ = build_pipeline(**params).fit(list(X), np.asarray(y))
            self.classes_ = self.pipeline_.classes_
            return self

        def decision_function(self, X):
            """The linear scores of the (single, refit) base classifier, before calibration."""
            features = self.pipeline_.named_steps["features"].transform(list(X))
            classifier = self.pipeline_.named_steps["classifier"]
            if hasattr(classifier, "calibrated_classifiers_"):
                classifier = classifier.calibrated_classifiers_[0].estimator
            return classifier.decision_function(features)

        def predict_proba(self, X):
            return self.pipeline_.predict_proba(list(X))

        def predict(self, X):
            if not self.calibrate:  # no probabilities: the classifier's own top class
                return self.pipeline_.predict(list(X))
            return apply_threshold(self.classes_, self.predict_proba(X), self.threshold)

        def to_linear(self) -> LinearActivityModel:
            """The fitted pipeline as plain arrays in a numpy predictor that gives the same answers."""
            if self.model == "nb":
                raise ValueError("ComplementNB is not exported: its probabilities are not a linear softmax")
            features = self.pipeline_.named_steps["features"]
            classifier = self.pipeline_.named_steps["classifier"]
            if hasattr(classifier, "calibrated_classifiers_"):
                if len(classifier.calibrated_classifiers_) != 1:
                    raise ValueError("export needs a single calibrated model (ensemble=False)")
                calibrated = classifier.calibrated_classifiers_[0]
                base, beta = calibrated.estimator, float(calibrated.calibrators[0].beta_)
            else:
                base, beta = classifier, 1.0
            branches = []
            for name, transformer in features.transformer_list:
                if name == "keywords":
                    weights = np.full(len(category_ids()), float(transformer.weight))
                    branches.append(Branch(name, "keywords", 1, {}, weights))
                else:
                    tfidf = transformer.named_steps["tfidf"]
                    branches.append(Branch(name, name, tfidf.analyzer.max_n, dict(tfidf.vocabulary_),
                                           np.asarray(tfidf.idf_, dtype=np.float64)))
            return LinearActivityModel(classes=tuple(str(c) for c in self.classes_), branches=tuple(branches),
                                       coef=np.asarray(base.coef_, dtype=np.float64),
                                       intercept=np.asarray(base.intercept_, dtype=np.float64),
                                       beta=beta, threshold=float(self.threshold))

    found = {"TextPreparer": TextPreparer, "KeywordFeatures": KeywordFeatures,
             "ActivityClassifier": ActivityClassifier}
    for name, cls in found.items():  # so that they print, pickle and clone as module-level classes
        cls.__module__, cls.__qualname__ = __name__, name
    return found


def apply_threshold(classes, proba: np.ndarray, threshold: float) -> np.ndarray:
    """Top class per row, or `general` where the top probability is below ``threshold``."""
    classes = np.asarray(classes)
    if not len(proba):
        return np.array([], dtype=classes.dtype)
    return np.where(proba.max(axis=1) < threshold, FALLBACK, classes[np.argmax(proba, axis=1)])


# ---------------------------------------------------------------------------------------------------------
# The shipped predictor: plain arrays, numpy only
# ---------------------------------------------------------------------------------------------------------

MODEL_FORMAT = 1
MODEL_JSON = "model.json"
COEF_FILE = "coef.npy.gz"


@dataclass(frozen=True)
class Branch:
    """One feature block: ``kind`` chars/words (tf-idf over a vocabulary) or keywords (scaled scores)."""

    name: str
    kind: str
    max_n: int
    vocabulary: dict[str, int]
    weights: np.ndarray  # idf per term, or the keyword weight per category


@dataclass(frozen=True)
class LinearActivityModel:
    """Features → linear scores → softmax(beta · scores): the exported ActivityClassifier."""

    classes: tuple[str, ...]
    branches: tuple[Branch, ...]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    beta: float  # inverse temperature of the calibration
    threshold: float
    metadata: dict = field(default_factory=dict)

    @functools.cached_property
    def _offsets(self) -> tuple[int, ...]:
        offsets, total = [], 0
        for branch in self.branches:
            offsets.append(total)
            total += len(branch.weights)
        if total != self.coef.shape[1]:
            raise ValueError(f"model has {total} features but coef has {self.coef.shape[1]} columns")
        return tuple(offsets)

    @functools.cached_property
    def feature_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for branch in self.branches:
            if branch.kind == "keywords":
                names.extend(f"kw={cid}" for cid in category_ids())
            else:
                terms = [""] * len(branch.weights)
                for term, index in branch.vocabulary.items():
                    terms[index] = term
                prefix = "c" if branch.kind == "chars" else "w"
                names.extend(f"{prefix}={term}" for term in terms)
        return tuple(names)

    @functools.cached_property
    def _weights(self) -> np.ndarray:
        """idf (text branches) and keyword weights, concatenated in feature order."""
        return np.concatenate([branch.weights for branch in self.branches])

    @functools.cached_property
    def _char_tables(self) -> dict[str, tuple[tuple[np.ndarray, np.ndarray], ...]]:
        """Per character branch and n: the sorted packed keys of its n-grams and their feature indexes."""
        tables = {}
        for branch in self.branches:
            if branch.kind != "chars":
                continue
            per_n = []
            for n in range(1, branch.max_n + 1):
                terms = [(term, index) for term, index in branch.vocabulary.items() if len(term) == n]
                keys = _pack([term for term, _ in terms], n) if terms else np.zeros(0, dtype=np.uint64)
                order = np.argsort(keys)
                per_n.append((keys[order], np.array([index for _, index in terms], dtype=np.int64)[order]))
            tables[branch.name] = tuple(per_n)
        return tables

    def _char_terms(self, branch: Branch, prepared: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, feature index) of every vocabulary n-gram occurrence in the prepared texts: all texts are
        packed into one code-point array and each n-gram length is looked up with one searchsorted."""
        pieces = [_SPACES.sub("", text) for text in prepared]
        codes = np.frombuffer(_SEPARATOR.join(pieces).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
        rows = np.repeat(np.arange(len(pieces), dtype=np.int64), [len(piece) + 1 for piece in pieces])
        found_rows, found_columns = [], []
        for n, (keys, indexes) in enumerate(self._char_tables[branch.name], start=1):
            count = len(codes) - n + 1
            if count <= 0 or not len(keys):
                continue
            packed = codes[:count].copy()
            for k in range(1, n):
                packed = (packed << np.uint64(_CODE_BITS)) | codes[k:k + count]
            at = np.minimum(np.searchsorted(keys, packed), len(keys) - 1)
            hit = keys[at] == packed
            found_rows.append(rows[:count][hit])
            found_columns.append(indexes[at[hit]])
        if not found_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_rows), np.concatenate(found_columns)

    @staticmethod
    def _word_terms(branch: Branch, prepared: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, feature index) of every vocabulary word (n-gram) occurrence in the prepared texts.

        Single words are cut from the whole batch at once, the texts joined by line breaks (jieba never
        joins across one, and white space is no vocabulary term, so the words are those of each text)."""
        lookup = branch.vocabulary.get
        rows, columns = [], []
        if branch.max_n == 1:
            from .segment import default_segmenter

            row = 0
            for word in default_segmenter().cut("\n".join(text.replace("\n", " ") for text in prepared)):
                if word == "\n":
                    row += 1
                    continue
                index = lookup(word)
                if index is not None:
                    rows.append(row)
                    columns.append(index)
            return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)
        for row, text in enumerate(prepared):
            for term in analyze(branch.kind, text, branch.max_n):
                index = lookup(term)
                if index is not None:
                    rows.append(row)
                    columns.append(index)
        return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)

    def sparse_parts(self, texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The feature matrix as CSR parts (indptr, columns, values), exactly as the training pipeline
        computes it: per text branch sublinear tf × idf, L2-normalised; the keyword branch its damped
        scores times the weight; columns ascending within a row. numpy passes over the whole batch."""
        texts = list(texts)
        normalised = [normalise_text(text) for text in texts]
        prepared = [mask_numbers(strip_marker(text)) for text in normalised]
        all_rows, all_columns, all_values = [], [], []
        for offset, branch in zip(self._offsets, self.branches):
            if branch.kind == "keywords":
                scores = np.log1p(np.array([keyword_row(text) for text in normalised], dtype=np.float64))
                rows, columns = np.nonzero(scores * branch.weights)
                values = (scores * branch.weights)[rows, columns]
            else:
                terms = self._char_terms if branch.kind == "chars" else self._word_terms
                rows, columns, values = _tfidf(*terms(branch, prepared), branch.weights)
            all_rows.append(rows)
            all_columns.append(columns + offset)
            all_values.append(values)
        rows, columns, values = (np.concatenate(parts) for parts in (all_rows, all_columns, all_values))
        order = np.lexsort((columns, rows))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(texts)))])
        return indptr.astype(np.int64), columns[order].astype(np.int64), values[order]

    def transform(self, texts):
        """The feature matrix as a scipy CSR matrix (for comparisons with the training pipeline)."""
        from scipy import sparse

        texts = list(texts)
        indptr, columns, values = self.sparse_parts(texts)
        return sparse.csr_matrix((values, columns, indptr), shape=(len(texts), self.coef.shape[1]))

    def decision_function(self, texts) -> np.ndarray:
        """Linear scores (n_texts, n_classes): one sparse × dense product per batch."""
        return np.asarray(self.transform(texts) @ self._coef_by_feature) + self.intercept

    @functools.cached_property
    def _coef_by_feature(self) -> np.ndarray:
        """coef transposed to (n_features, n_classes), contiguous: a batch gathers whole rows."""
        return np.ascontiguousarray(self.coef.T)

    def predict_proba(self, texts) -> np.ndarray:
        """softmax(beta · scores): the temperature-scaled probabilities of CalibratedClassifierCV."""
        scores = self.beta * self.decision_function(texts)
        if not len(scores):
            return scores
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        return scores / scores.sum(axis=1, keepdims=True)

    def predict(self, texts) -> np.ndarray:
        return apply_threshold(self.classes, self.predict_proba(texts), self.threshold)

    def classify(self, texts) -> list[tuple[str, float]]:
        """(category, confidence) per text: the top class and its probability, general below threshold."""
        proba = self.predict_proba(list(texts))
        out = []
        for row in proba:
            best = int(np.argmax(row))
            category = self.classes[best] if row[best] >= self.threshold else FALLBACK
            out.append((category, round(float(row[best]), 3)))
        return out

    def explain(self, text: str, category: str | None = None, top: int = 8) -> list[tuple[str, float]]:
        """The features that pushed ``text`` towards ``category`` (default: the top class), largest first.

        Each item is (feature, contribution) where contribution = feature value × class weight; ``c=``
        marks a character n-gram, ``w=`` a jieba word, ``kw=`` a taxonomy keyword score.
        """
        _, columns, values = self.sparse_parts([text])
        if category is None:
            category = self.classes[int(np.argmax(self.decision_function([text])[0]))]
        weights = self.coef[self.classes.index(category)]
        contributions = [(self.feature_names[j], float(v * weights[j])) for j, v in zip(columns, values)]
        contributions.sort(key=lambda item: (-abs(item[1]), item[0]))
        return contributions[:top]

    # -- files ------------------------------------------------------------------------------------------

    def save(self, directory, metadata: dict | None = None) -> list[Path]:
        """Write ``model.json`` (vocabularies, idf, intercept, calibration, metadata) and ``coef.npy.gz``.

        Byte-stable: JSON with sorted keys and floats written by ``repr`` (exact round trip), the
        coefficient matrix as an ``.npy`` gzipped with a zero timestamp and no file name.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(self.coef, dtype="<f8"), allow_pickle=False)
        coef_bytes = gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)
        document = {
            "format": MODEL_FORMAT,
            "metadata": dict(metadata if metadata is not None else self.metadata),
            "classes": list(self.classes),
            "intercept": [float(v) for v in self.intercept],
            "beta": float(self.beta),
            "threshold": float(self.threshold),
            "coef": {"file": COEF_FILE, "shape": list(self.coef.shape), "dtype": "<f8",
                     "sha256": hashlib.sha256(coef_bytes).hexdigest()},
            "branches": [
                {"name": b.name, "kind": b.kind, "max_n": b.max_n,
                 "terms": [term for term, _ in sorted(b.vocabulary.items(), key=lambda item: item[1])],
                 "weights": [float(v) for v in b.weights]}
                for b in self.branches
            ],
        }
        json_path, coef_path = directory / MODEL_JSON, directory / COEF_FILE
        json_path.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=0) + "\n",
                             encoding="utf-8")
        coef_path.write_bytes(coef_bytes)
        return [json_path, coef_path]

    @classmethod
    def load(cls, directory) -> "LinearActivityModel":
        """Rebuild the predictor from ``model.json`` and ``coef.npy.gz`` (no pickle anywhere)."""
        directory = Path(directory)
        return cls.from_bytes((directory / MODEL_JSON).read_bytes(), (directory / COEF_FILE).read_bytes())

    @classmethod
    def from_bytes(cls, json_bytes: bytes, coef_bytes: bytes) -> "LinearActivityModel":
        document = json.loads(json_bytes.decode("utf-8"))
        if document.get("format") != MODEL_FORMAT:
            raise ValueError(f"unsupported model format {document.get('format')!r}")
        spec = document["coef"]
        if hashlib.sha256(coef_bytes).hexdigest() != spec["sha256"]:
            raise ValueError("coef file does not match model.json (sha256 differs)")
        coef = np.load(io.BytesIO(gzip.decompress(coef_bytes)), allow_pickle=False)
        if list(coef.shape) != spec["shape"]:
            raise ValueError(f"coef shape {coef.shape} differs from model.json {spec['shape']}")
        branches = tuple(
            Branch(b["name"], b["kind"], int(b["max_n"]), {term: i for i, term in enumerate(b["terms"])},
                   np.array(b["weights"], dtype=np.float64))
            for b in document["branches"]
        )
        return cls(classes=tuple(document["classes"]), branches=branches, coef=coef,
                   intercept=np.array(document["intercept"], dtype=np.float64), beta=float(document["beta"]),
                   threshold=float(document["threshold"]), metadata=document["metadata"])


_SEPARATOR = "\x00"  # joins the texts of a batch; no vocabulary term contains it, so no n-gram spans two texts
_CODE_BITS = 21  # a code point fits in 21 bits, so up to three pack into one uint64 key


def _pack(terms: list[str], n: int) -> np.ndarray:
    """Pack n-character terms into uint64 keys (code points shifted by 21 bits each)."""
    codes = np.frombuffer("".join(terms).encode("utf-32-le"), dtype="<u4").astype(np.uint64).reshape(-1, n)
    keys = codes[:, 0].copy()
    for k in range(1, n):
        keys = (keys << np.uint64(_CODE_BITS)) | codes[:, k]
    return keys


def _tfidf(rows: np.ndarray, columns: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Term occurrences (row, column) → distinct (row, column, (1 + log count) × idf, L2-normalised per row)."""
    if not len(rows):
        return rows, columns, np.zeros(0, dtype=np.float64)
    width = np.int64(len(idf))
    pairs, counts = np.unique(rows * width + columns, return_counts=True)
    rows, columns = pairs // width, pairs % width
    values = (np.log(counts) + 1.0) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=values * values))
    return rows, columns, values / norms[rows]


MODEL_DIR = "model"


@functools.cache
def shipped_model() -> LinearActivityModel | None:
    """The model shipped in ``nlp/data/model/``, or None when the package carries none."""
    from importlib import resources

    folder = resources.files("reportminer.nlp").joinpath("data", MODEL_DIR)
    try:
        json_bytes = folder.joinpath(MODEL_JSON).read_bytes()
        coef_bytes = folder.joinpath(COEF_FILE).read_bytes()
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None
    return LinearActivityModel.from_bytes(json_bytes, coef_bytes)


# ---------------------------------------------------------------------------------------------------------
# Training data
# ---------------------------------------------------------------------------------------------------------

def read_training(path) -> tuple[list[str], list[str]]:
    """Read a ``label<TAB>text`` file with a header row; returns (texts, labels)."""
    texts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if header != ["label", "text"]:
            raise ValueError(f"{path}: expected header 'label<TAB>text', found {header!r}")
        known = set(category_ids())
        for number, line in enumerate(handle, 2):
            line = line.rstrip("\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            if label not in known or not text:
                raise ValueError(f"{path}:{number}: bad line {line!r}")
            labels.append(label)
            texts.append(text)
    return texts, labels
