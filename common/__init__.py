"""dlmia-labs' shared package: what the labs give students, and the tools that grade them.

Layered from the ground up; a module imports only from its own floor or below.

Ground floor:
    :mod:`common.errors` (one-sentence errors for users), :mod:`common.env` (environment
    variable names), :mod:`common.paths` (repository, data root, run folders),
    :mod:`common.seed`, :mod:`common.device`, :mod:`common.progress` (progress bars),
    :mod:`common.loaders` (the one way to build a DataLoader), :mod:`common.labs` (the lab
    catalogue), :mod:`common.io` (readers of real data formats) and :mod:`common.answer_keys`
    (answer keys of hidden test splits).

Shared tools:
    :mod:`common.smoke` (the smoke switch), :mod:`common.training` (the training loop),
    :mod:`common.metrics`, :mod:`common.plots`, :mod:`common.report` (figures, CSVs and
    ``metrics.json`` of a run) and :mod:`common.pretrained` (cached pretrained weights).

Topics:
    :mod:`common.digits` (lab01), :mod:`common.classification` (lab02, lab03),
    :mod:`common.segmentation` (lab04), :mod:`common.detection` (lab05),
    :mod:`common.autoencoder` (lab06) and :mod:`common.inflate` (lab07).

Data and submissions:
    :mod:`common.phantoms` (deterministic dataset generators and their builder),
    :mod:`common.data_check` (a dataset folder checked against its card) and
    :mod:`common.submissions` (submission schemas, scoring, leaderboard).

Top:
    :mod:`common.grading` (release, course check, autograding), :mod:`common.leaderboard_server`
    (the live leaderboard web service), :mod:`common.runner` (``dlmia run``),
    :mod:`common.results` (the README's results table) and :mod:`common.cli` (the ``dlmia``
    command).
"""

__version__ = "0.1.0"
