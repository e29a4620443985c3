"""A live leaderboard for the labs' submission CSVs: a web service students upload to.

Students sign in with a personal token the instructor issued (``dlmia leaderboard
add-students``), choose a pseudonymous display name, and upload a lab's CSV in the browser or with
``curl``. Each upload goes through the one validation and scoring path of
:mod:`common.submissions` (:func:`~common.submissions.check.check_submission`): a bad file gets
the validator's sentences at once, a good one its **public score**, computed on a fixed public
part of the hidden test split. The private part's score stays hidden until the lab's deadline.
The instructor opens and closes labs, sees every score, and exports final grades (each student's
final submission picked by Kaggle's rule: the one they marked, else their best public score).

Modules:
    :mod:`.settings` (where the database and the uploaded files live), :mod:`.models` (the
    tables), :mod:`.db` (engines and Alembic migrations), :mod:`.tokens`, :mod:`.scoring` (the
    public/private split and scoring an upload), :mod:`.service` (what the pages and the API do,
    without HTTP), :mod:`.app` (the FastAPI application), :mod:`.commands` (``dlmia
    leaderboard``), :mod:`.demo` (a demonstration with screenshots) and :mod:`.bench`.

Answer keys are read only on the server, from ``$DLMIA_DATA/answer_keys`` as every scorer does.
"""
