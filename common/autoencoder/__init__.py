"""What lab06 gives: the spine MR loader, slices for the disc U-Net, the 3D autoencoder,
staged training with reconstruction snapshots, and the lab's figures.

The disc crops, the 2D autoencoder, the disc geometry, the patient-grouped cross-validation and
the Spearman matrix are the students' tasks and live in the lab's notebook, not here.
"""

from __future__ import annotations

from .data import (DISC_RANGE, VERTEBRA_RANGE, SpineCase, SpineData, disc_slices,
                   label_predicted_discs, load_spine_mr)
from .models import CAE3D
from .plots import (plot_depth_reconstructions, plot_epoch_snapshots, plot_latent_walk,
                    plot_loss_curve, plot_reconstructions, plot_spearman_heatmap)
from .training import fit_with_snapshots

__all__ = ["SpineCase", "SpineData", "load_spine_mr", "disc_slices", "label_predicted_discs",
           "DISC_RANGE", "VERTEBRA_RANGE", "CAE3D", "fit_with_snapshots",
           "plot_reconstructions", "plot_depth_reconstructions", "plot_epoch_snapshots",
           "plot_loss_curve", "plot_spearman_heatmap", "plot_latent_walk"]
