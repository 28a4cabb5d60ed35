from bench import web_events


def test_state_names_are_the_compiled_ones():
    assert web_events.ROOT_STATE == "reflex___state____state"
    assert web_events.GLUCOSE_STATE.endswith(".healthapp___state___records____glucose_state")
    assert web_events.SIGNUP_STATE.startswith(web_events.APP_STATE + ".")


def test_the_claim_url_is_found_in_what_the_sign_up_answers():
    from healthapp.state.base import claim_url, navigate

    spec = navigate(claim_url("n0nce", "/"))
    found = web_events.CLAIM_RE.search(str(spec))
    assert found is not None
    assert found.group(1) == claim_url("n0nce", "/")


def test_parse_args_levels_sorted_and_unique():
    args = web_events.parse_args(["--clients", "100,1,50,1"])
    assert args.levels == [1, 50, 100]


def test_router_data_is_what_the_frontend_sends():
    assert web_events.router("/glucose") == {"pathname": "/glucose", "asPath": "/glucose"}
