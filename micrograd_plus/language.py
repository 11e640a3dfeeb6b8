"""A language model at toy scale: predict the next letter of a word from the letters before it.

Large language models are trained on the same task with text instead of single words: given
what came before, give a probability to every possible next token, and be scored by the
cross-entropy of the one that really came next. Here the tokens are the 26 letters and "."
(which marks where a word starts and ends), and the model is any network from ``nn`` with
``27 * context`` inputs and 27 outputs.

    from micrograd_plus.language import WORDS, next_letter_examples, generate
    X, y = next_letter_examples(WORDS, context=2)    # "cat": ..->c, .c->a, ca->t, at->.
    model = MLP(2 * 27, [27]); fit(model, X, y, loss="cross_entropy", ...)
    generate(model, context=2, count=5)              # new words, one letter at a time
"""

from __future__ import annotations

import math
import random
from typing import Any, Sequence

from .engine import no_grad

__all__ = ["ALPHABET", "WORDS", "one_hot", "next_letter_examples", "next_letter_probabilities",
           "generate"]

ALPHABET = ".abcdefghijklmnopqrstuvwxyz"
"""The 27 tokens: "." (start or end of a word) and the letters a to z; a token's class is its
position here."""

WORDS: tuple[str, ...] = tuple("""
apple baker basket beach berry bird blanket bottle branch bread bridge bucket butter button
candle carpet castle cherry chicken circle cloud coffee copper corner cotton crystal dinner
doctor dragon drawer engine farmer feather finger flower forest garden ginger guitar hammer
harbor helmet honey island jacket kitchen ladder lemon letter lizard market meadow melon
mirror monkey morning mountain number orange paper parrot pencil pepper pillow planet pocket
potato puzzle rabbit river rocket saddle salad sandal shadow silver sister spider spring
summer table ticket tiger timber tomato tower turtle valley velvet wagon walnut water window
winter wizard yellow zebra anchor arrow bottom camel canyon carrot cinder cobble
falcon fiddle finch gravel harvest hollow jungle kettle kitten lantern maple marble mitten
muffin needle noodle otter paddle pebble pickle pirate plaster powder pretzel puddle quiver
raven ribbon riddle sailor seven shovel sparrow stable sugar sunset thimble thunder
tunnel waffle whistle willow wonder
""".split())
"""About two hundred ordinary English words, written for these lessons."""


def _token(character: str) -> int:
    position = ALPHABET.find(character)
    if len(character) != 1 or position < 0:
        raise ValueError(f"{character!r} is not one of the 27 tokens: use lower-case letters a-z, "
                         f"and '.' for the start or end of a word")
    return position


def one_hot(character: str) -> list[float]:
    """27 numbers, all 0 except a 1 at the character's position in ``ALPHABET``."""
    vector = [0.0] * len(ALPHABET)
    vector[_token(character)] = 1.0
    return vector


def _window(text: str, context: int) -> str:
    """The last ``context`` characters before the next letter, padded with "." at the start."""
    return ("." * context + text)[-context:] if context else ""


def _features(window: str) -> list[float]:
    features: list[float] = []
    for character in window:
        features += one_hot(character)
    return features


def next_letter_examples(words: Sequence[str], context: int = 2) -> tuple[list[list[float]], list[int]]:
    """One example per letter of every word, plus one for its end: the input is the ``context``
    characters before it, each as 27 one-hot numbers (``27 * context`` inputs in all), and the
    label is the class of the character that comes next ("." after the last letter).

    With ``context=0`` every input is empty: the model can only learn how often each letter comes.
    """
    if isinstance(context, bool) or not isinstance(context, int) or context < 0:
        raise ValueError(f"context must be a whole number of letters, 0 or more; got {context!r}")
    X, y = [], []
    for word in words:
        for position, character in enumerate(word + "."):
            X.append(_features(_window(word[:position], context)))
            y.append(_token(character))
    if not X:
        raise ValueError("words is empty: pass a list of words, e.g. WORDS")
    return X, y


def next_letter_probabilities(model: Any, text: str, context: int) -> list[float]:
    """The model's probability for each of the 27 tokens to come after ``text`` (the softmax of
    its 27 scores), reading only the last ``context`` characters."""
    with no_grad():
        scores = [score.data for score in model(_features(_window(text, context)))]
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [e / total for e in exps]


def generate(model: Any, context: int, count: int = 10, seed: int = 0, max_length: int = 15) -> list[str]:
    """``count`` new words: start from nothing, draw the next letter at random with the model's
    probabilities, append it, and repeat until the model picks "." (the end) or the word reaches
    ``max_length`` letters."""
    rng = random.Random(seed)
    words = []
    for _ in range(count):
        word = ""
        while len(word) < max_length:
            probabilities = next_letter_probabilities(model, word, context)
            character = rng.choices(ALPHABET, weights=probabilities)[0]
            if character == ".":
                break
            word += character
        words.append(word)
    return words
