// The @jupyter-widgets/controls classes this bundle carries: the models the book's
// pages store, and the views they name. Naming them here (rather than importing the
// whole package) lets esbuild leave out every other control; src/embed.js looks
// classes up in this module by name. A page that stores another control shows the
// ipywidgets error box: add the model and its view below.
export {
  BoxModel,
  BoxView,
  DescriptionStyleModel,
  DropdownModel,
  DropdownView,
  FloatProgressModel,
  FloatSliderModel,
  FloatSliderView,
  HBoxModel,
  HBoxView,
  HTMLModel,
  HTMLStyleModel,
  HTMLView,
  IntSliderModel,
  IntSliderView,
  LinkModel,
  PlayModel,
  PlayView,
  ProgressStyleModel,
  ProgressView,
  SliderStyleModel,
  VBoxModel,
  VBoxView,
} from '@jupyter-widgets/controls';
