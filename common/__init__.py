"""dlmia-labs' shared package: what the labs give students, and the tools that grade them.

Modules (one concept each): :mod:`common.paths` (data root, run folders), :mod:`common.smoke`
(the smoke switch), :mod:`common.device`, :mod:`common.seed`, :mod:`common.training`,
:mod:`common.metrics`, :mod:`common.plots`, :mod:`common.report`, :mod:`common.pretrained`,
:mod:`common.digits`; packages :mod:`common.io` (real-format readers), :mod:`common.phantoms`,
:mod:`common.submissions` and :mod:`common.grading`.
"""

__version__ = "0.1.0"
