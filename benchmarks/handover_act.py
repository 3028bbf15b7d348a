"""The handover act PDF for 1,000 items (issue 18: at most 2 s).

Draws the act straight from its data, without a database or a server, and prints the
median of a few runs, the pages and the bytes. Labels are as long as the longest a desk
produces (a request's subject and its application number), so most of them wrap.

Run: ``python -m benchmarks.handover_act [--items 1000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from onewindow.registry.handover_act import ActItem, HandoverAct, act_pdf

LONG = ("О подтверждении права на меру социальной поддержки по федеральному законодательству "
        "и о перерасчёте ежемесячной денежной выплаты с учётом сведений СФР "
        "(заявление № 2026-{n:06d})")


def make_act(items: int) -> HandoverAct:
    return HandoverAct(
        institution=("ГБУ «Центр социальной защиты населения»", "Сектор «Одно окно»"),
        number=1, made_on="07.12.2026", approver_position="Начальник сектора",
        approver_name="Ю. Н. Медведенко", reason="отпуском",
        leaver="Смирнова Ольга Петровна (главный специалист)",
        receiver="Орлов Игорь Васильевич (специалист)", period="с 07.12.2026 по 20.12.2026",
        items=[ActItem(kind="запрос", label=f"Входящий запрос № ВХ-2026-{n:05d}: "
                       + LONG.format(n=n),
                       due=f"{8 + n % 20:02d}.12.2026") for n in range(1, items + 1)],
        gave="Передала: _______________ Смирнова О. П.",
        took="Принял: _______________ Орлов И. В.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    act = make_act(args.items)
    act_pdf(make_act(1))  # fonts and styles are registered once per process
    times, pdf = [], b""
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf = act_pdf(act)
        times.append(time.perf_counter() - started)
    print(f"handover act, {args.items} items: median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}), {pdf.count(b'/Type /Page') - 1} "
          f"pages, {len(pdf) // 1024} KB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
