import pytest


@pytest.fixture
def em_demo(demo):
    from bitrade.monitoring.demo import load_monitoring_demo
    from bitrade.monitoring.services import clear_caches

    clear_caches()
    load_monitoring_demo()
    return True


@pytest.fixture
def em_system(em_demo):
    from bitrade.monitoring.services import create_system

    return create_system("Testsystem")
