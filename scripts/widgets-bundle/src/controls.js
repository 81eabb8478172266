// The @jupyter-widgets/controls classes this bundle carries: the models the book's
// pages store, and the views they name. Naming them here (rather than importing the
// whole package) lets esbuild leave out every other control; src/embed.js looks
// classes up in this module by name. A page that stores another control shows the
// ipywidgets error box: add the model and its view below.
//
// The slider and Play views are subclasses (accessible.js) that give their handles and
// buttons accessible names; they look and behave as the originals.
import {
  FloatSliderView as FloatSliderViewBase,
  IntSliderView as IntSliderViewBase,
  PlayView as PlayViewBase,
} from '@jupyter-widgets/controls';
import { withNamedHandles, withNamedPlayButtons } from './accessible.js';

export {
  BoxModel,
  BoxView,
  DescriptionStyleModel,
  DropdownModel,
  DropdownView,
  FloatProgressModel,
  FloatSliderModel,
  HBoxModel,
  HBoxView,
  HTMLModel,
  HTMLStyleModel,
  HTMLView,
  IntSliderModel,
  LinkModel,
  PlayModel,
  ProgressStyleModel,
  ProgressView,
  SliderStyleModel,
  VBoxModel,
  VBoxView,
} from '@jupyter-widgets/controls';

export class FloatSliderView extends withNamedHandles(FloatSliderViewBase) {}
export class IntSliderView extends withNamedHandles(IntSliderViewBase) {}
export class PlayView extends withNamedPlayButtons(PlayViewBase) {}
