import warnings

import pytest
import torch

import common.pretrained as pretrained
from common.errors import CourseError


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(pretrained, "_warned", set())
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    return tmp_path


def test_required_weights_missing_is_a_clear_error(empty_cache):
    with pytest.raises(CourseError, match="not in the local cache"):
        pretrained.torchvision_model("resnet18", weights=True)


def test_auto_falls_back_with_one_warning(empty_cache):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pretrained.torchvision_model("resnet18")
        pretrained.torchvision_model("resnet18")
    ours = [w for w in caught if issubclass(w.category, pretrained.PretrainedWeightsWarning)]
    assert len(ours) == 1 and "random initialisation" in str(ours[0].message)


def test_cached_weights_are_used(empty_cache):
    ref = pretrained.torchvision_model("resnet18", weights=False)
    enum = pretrained.torchvision.models.get_model_weights("resnet18")["DEFAULT"]
    (empty_cache / "checkpoints").mkdir()
    torch.save(ref.state_dict(), empty_cache / "checkpoints" / enum.url.rsplit("/", 1)[1])
    model = pretrained.torchvision_model("resnet18", weights=True)
    assert torch.equal(model.conv1.weight, ref.conv1.weight)


def test_timm_without_cache(empty_cache):
    with pytest.raises(CourseError):
        pretrained.timm_model("resnet18", pretrained=True)
    model = pretrained.timm_model("resnet18", pretrained=False, num_classes=3).eval()
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 3)
