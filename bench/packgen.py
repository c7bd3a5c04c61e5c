"""Generated lesson packs of any size, with items shaped like the shipped demo pack's.

Each item has a stimulus (headline, post, chat or article), a question and the four
callouts of a real item, each a few hundred characters, so rendering costs what a real
item costs.
"""

from __future__ import annotations

import random

from app.packs.compiler import SourceFile

SENTENCES = [
    "Die Meldung nennt genaue Zahlen, die du in einem Lexikon nachschlagen kannst.",
    "Großbuchstaben, viele Ausrufezeichen und Zeitdruck sollen dich vor allem aufregen.",
    "Welche Studie, welche Forschenden und welches Land gemeint sind, steht nirgends.",
    "Der Text bleibt sachlich, will nichts verkaufen und niemanden gegen andere aufbringen.",
    "Frag dich, wer hinter dem Account steckt und ob er sich mit dem Thema auskennt.",
    "Such die Aussage auf mehreren bekannten Nachrichtenseiten oder bei Faktencheck-Seiten.",
    "Dass etwas seltsam klingt, heißt noch lange nicht, dass es falsch ist.",
    "Schau bei Links und Artikeln immer auf das Datum, bevor du etwas teilst.",
    "Ein Foto kann echt sein und trotzdem aus einem ganz anderen Zusammenhang stammen.",
    "Werbung muss erkennbar sein, auch wenn sie wie ein ganz normaler Post aussieht.",
    "Fachbehörden und Lexika erklären solche Fragen meist verständlich und mit Belegen.",
    "Eine große Behauptung ohne jeden Beleg ist ein typisches Zeichen einer Falschmeldung.",
    "Kettenbriefe drohen oft mit Folgen, wenn man die Nachricht nicht weiterleitet.",
    "Vergleiche die Angaben mit einer zweiten, unabhängigen Quelle, bevor du urteilst.",
]
TECHNIQUES = ["emotion", "conspiracy", "false-context", "hidden-advertising", "chain-letter", "cherry-picking"]
STIMULI = [
    '::: headline {{source="Rheinblick {n}" date="{day}. März 2026"}}\n{title}\n\n{text}\n:::',
    '::: post {{author="Account {n}" handle="@account_{n}" time="vor {day} Min." likes={likes} shares=12 comments=3}}\n'
    "{title} {text}\n:::",
    '::: chat {{sender="Klassenchat {n}" time="16:{day:02d}"}}\n{title} {text}\n:::',
    '::: article {{source="Seeland Nachrichten" title="{title}" date="{day}. Januar 2026"}}\n{text}\n:::',
]


def _text(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(count))


def item_markdown(number: int, rng: random.Random, prefix: str = "item") -> str:
    fake = number % 2 == 1
    stimulus = STIMULI[number % len(STIMULI)].format(
        n=number,
        day=number % 28 + 1,
        likes=number * 7 % 9000,
        title=f"Schlagzeile Nummer {number}: {rng.choice(SENTENCES)}",
        text=_text(rng, 2),
    )
    attributes = f"#{prefix}-{number} answer={'Fake' if fake else 'Fakt'} confidence"
    if fake:
        attributes += f" technique={TECHNIQUES[number % len(TECHNIQUES)]}"
    callouts = "\n\n".join(
        f"> [!{kind}]\n> {_text(rng, sentences)}"
        for kind, sentences in (("CLUE", 3), ("EXPLAIN", 4), ("CHECK", 3), ("TEACHER", 4))
    )
    return f"{stimulus}\n\n::: verdict {{{attributes}}}\nStimmt diese Meldung?\n\n{callouts}\n:::\n"


def front_matter(key: str, title: str) -> str:
    return (
        f"---\nid: {key}\ntitle: {title}\nversion: 1.0.0\nlanguage: de\ngrades: [7, 8, 9]\nminutes: 45\n"
        "license: CC-BY-SA-4.0\nauthors: [Lupe-Bench]\ndescription: Ein erzeugtes Paket für den Benchmark.\n"
        "verdicts: [Fakt, Fake]\n---\n\n# Hinweise für Lehrkräfte\n\nErzeugt für den Benchmark.\n"
    )


def pack_files(key: str, items: int, *, per_file: int = 100, seed: int = 8) -> list[SourceFile]:
    """``pack.md`` and item files of ``per_file`` items each (files are limited to 512 KB)."""
    rng = random.Random(seed)
    files = [SourceFile(f"{key}/pack.md", front_matter(key, f"Benchmark-Paket ({items} Items)"))]
    for start in range(0, items, per_file):
        body = "\n".join(item_markdown(n, rng) for n in range(start, min(start + per_file, items)))
        files.append(
            SourceFile(f"{key}/{start // per_file + 1:02d}-items.md", f"# Teil {start // per_file + 1}\n\n{body}")
        )
    return files
