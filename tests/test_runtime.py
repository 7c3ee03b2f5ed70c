"""helpers.runtime: the device report of every setup cell, and float64 on any JAX version."""

from __future__ import annotations

import sys
import types

import jax
import jax.numpy as jnp

from helpers import runtime


def test_show_devices_names_version_backend_and_devices(capsys):
    text = runtime.show_devices()
    assert capsys.readouterr().out == text + "\n"
    assert text.startswith(f"JAX {jax.__version__} on {jax.default_backend()}: ")
    assert str(jax.devices()[0]) in text
    assert runtime.NO_GPU_IN_COLAB not in text  # not in Colab


def test_show_devices_in_colab_without_a_gpu_says_how_to_switch(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    text = runtime.show_devices()  # says so, and does not raise
    assert runtime.NO_GPU_IN_COLAB in text and "Change runtime type" in text
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert runtime.NO_GPU_IN_COLAB not in runtime.show_devices()
    capsys.readouterr()


def test_float64_holds_inside_the_block_only():
    assert jnp.zeros(1).dtype == jnp.float32
    with runtime.float64():
        assert jnp.zeros(1).dtype == jnp.float64
        assert jax.grad(lambda w: w**2)(jnp.float64(3.0)).dtype == jnp.float64
    assert jnp.zeros(1).dtype == jnp.float32
