// Accessible names for the controls that ipywidgets 8 draws without one. Each function
// takes a view class of @jupyter-widgets/controls and returns a subclass that only adds
// ARIA attributes: the widgets look and behave as before (controls.js exports these
// subclasses under the original names).

/**
 * A slider view whose noUiSlider handles (role="slider", focusable, moved by the arrow,
 * Page Up/Down, Home and End keys) are named by the slider's description label:
 * `aria-labelledby` the <label class="widget-label"> that DescriptionView draws, so a
 * description with HTML or typeset maths names the handle as it reads. A slider without
 * a description is named by its tooltip, if it has one.
 */
export function withNamedHandles(SliderView) {
  return class extends SliderView {
    /** Called by render() (after the label exists) and again when the slider is rebuilt. */
    createSlider() {
      super.createSlider();
      this.nameHandles();
    }

    updateDescription() {
      super.updateDescription();
      this.nameHandles();
    }

    updateTooltip() {
      super.updateTooltip();
      this.nameHandles();
    }

    nameHandles() {
      if (!this.label || !this.$slider) return;
      if (!this.label.id) this.label.id = `widget-label-${this.cid}`;
      const description = this.model.get('description');
      const tooltip = this.model.get('tooltip');
      for (const handle of this.$slider.querySelectorAll('[role="slider"]')) {
        if (description) {
          handle.setAttribute('aria-labelledby', this.label.id);
          handle.removeAttribute('aria-label');
        } else {
          handle.removeAttribute('aria-labelledby');
          if (tooltip) handle.setAttribute('aria-label', tooltip);
          else handle.removeAttribute('aria-label');
        }
      }
    }
  };
}

/**
 * A Play view whose buttons, drawn as Font Awesome icons only, say what they do:
 * "Play" or "Pause" (it toggles), "Stop" and "Repeat" (a toggle, aria-pressed). The
 * name follows the description when there is one ("Play: time step").
 */
export function withNamedPlayButtons(PlayView) {
  return class extends PlayView {
    render() {
      super.render();
      for (const event of ['change:playing', 'change:repeat', 'change:description']) {
        this.listenTo(this.model, event, this.nameButtons);
      }
      this.nameButtons();
    }

    nameButtons() {
      if (!this.playPauseButton) return;
      const description = this.model.get('description');
      const name = (action) => (description ? `${action}: ${description}` : action);
      this.playPauseButton.setAttribute('aria-label', name(this.model.get('playing') ? 'Pause' : 'Play'));
      this.stopButton.setAttribute('aria-label', name('Stop'));
      this.repeatButton.setAttribute('aria-label', name('Repeat'));
      this.repeatButton.setAttribute('aria-pressed', String(Boolean(this.model.get('repeat'))));
    }
  };
}
