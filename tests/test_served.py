"""The served-app harness itself: real sign-in and parallel requests against gunicorn."""
from tests import factories


def test_served_app_signs_in_and_answers_parallel_requests(served):
    with served.app.app_context():
        factories.user(email="ada@example.org")
    session = served.login("ada@example.org", factories.PASSWORD)
    answers = served.parallel(10, lambda i: session.get(served.url + "/", timeout=30).status_code)
    assert answers == [200] * 10
    anonymous = served.session().get(served.url + "/", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
