"""The parts of ``scripts/benchmark.py``, the training-speed benchmark behind the appendix page.

- :mod:`bench.workloads`: what is trained (the labs of :mod:`helpers.labs`, chapter 12's
  network of :mod:`helpers.cnn`) and the counting of a step's products, FLOPs and parameters;
- :mod:`bench.timing`: the stopwatch, the jitted-loop harness and the machine's load;
- :mod:`bench.machine`: the machine's own limits (matmul peak, memory bandwidth) and the
  loops that time one product shape or one optimizer step;
- :mod:`bench.roofline`: the lower bound on an epoch, from those measurements;
- :mod:`bench.jax_side` and :mod:`bench.torch_side`: the timed training, in JAX with the
  chapters' own code and in PyTorch in a worker process;
- :mod:`bench.run`: the run itself, which writes the record;
- :mod:`bench.page` and :mod:`bench.tables`: the appendix page, rendered from the record.
"""
